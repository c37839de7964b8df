"""Registered names found in text: the index of every registered spelling (index), its
spellings in running English text (mentions), and its native forms in the source (native_forms)."""
