"""The county-scale benchmark of quality.md (``make bench`` → ``python -m bench``).

``bench.seeding`` makes (or reuses) the county database, ``bench.pages`` times every page's script
under AppTest in a process of its own (so its peak memory is the app's), ``bench.naive`` computes the
same figures by loading whole tables into pandas, ``bench.writes`` times logging an activity and a
20,000-row import, and ``bench.__main__`` puts it all into one table and ``bench/results.md``.
"""
