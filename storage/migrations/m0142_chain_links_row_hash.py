"""Exports read each row's latest link hash (storage/export_evidence.py): with `hash` in the
row index the lookup is answered from the index alone, instead of a second descent into
the table for every exported row."""

SQL = """
DROP INDEX chain_links_row;
CREATE INDEX chain_links_row ON chain_links(source, row_id, chain, seq, content_hash, hash)
"""
