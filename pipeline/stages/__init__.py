"""The stages of the chain, one module each: ingest, detect, translate, normalize, publish."""
