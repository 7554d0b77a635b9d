"""Reading CMS national relative value files (PPRRVU) in every shape CMS ships them.

`sources` finds the PPRRVU file inside what an admin hands us (a release ZIP or a
bare CSV/TXT/XLSX), `readers` turns each format into raw rows keyed by column,
`rows` checks and converts those rows, and `identity` works out which release
the file is. `codes.services.release_import` puts them together and writes.
"""
