"""Hand-made Excel workbooks of the five seed tables, for the importer's tests.

The workbooks are typed the way a department finance clerk types the published
tables into Excel (merged headers, Alt+Enter line breaks, amounts as numbers,
rates sometimes as text). ``build.py`` writes them from the transcribed seed data in
``fixtures/seeds``, independently of the ``publishing`` exporter; ``expected.json``
lists what an import of each workbook must give back.
"""
