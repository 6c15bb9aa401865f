"""The pure core: records and their rules, money, quote arithmetic, reports.

No files, git, processes or terminal: everything here is a function of its arguments.
"""
