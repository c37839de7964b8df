"""Names nobody registered, grouped: a group key and proposed id per spelling (keys), and the
corpus-wide merge of the groups the per-document keys could not see (corpus), a name in quotes
kept apart from the place of its spelling (quoted)."""
