"""Turning encoded examples into batches: batch types, collate functions, batch orders and resumable loaders."""
