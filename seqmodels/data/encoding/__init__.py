"""Turning tokens into ids and back: tokenisers, vocabularies and NER tag schemes."""
