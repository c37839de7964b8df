"""Names nobody registered, grouped: a group key and proposed id per spelling (keys), and the
corpus-wide merge of the groups the per-document keys could not see (corpus)."""
