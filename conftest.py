"""Pytest configuration shared by the whole repository."""

# Importing __main__ would run the command line during doctest collection.
collect_ignore = ["hwcodesign/__main__.py"]
