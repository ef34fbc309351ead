"""The search strategies, one module each; import them from `hwcodesign.codesign.search`."""
