"""The person-name model: given names and their genders, patronymics and fathers, surnames'
gender forms, and the folds that make two spellings of one name alike."""
