"""Russian, Thai and English news into one English corpus with canonical names."""

__version__ = "0.1.0"
