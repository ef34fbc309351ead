"""hwcodesign: co-design DNN accelerators and the networks that run on them.

See ``README.md`` for the quick start and ``DESIGN.md`` for the architecture.
"""

__version__ = "0.1.0"
