"""The book's build tool as a package: ``tools/book.py`` (execute, build, check) and
``tools/browser.py`` (the headless-Chromium check) are thin entry points over these modules.

:mod:`.common` holds the paths, the table of contents, package versions and the git commit;
:mod:`.keys` the cache key of an executed chapter; :mod:`.execute` runs chapters with papermill;
:mod:`.stage` prepares the executed notebooks and the status page for Jupyter Book;
:mod:`.build` runs Jupyter Book; :mod:`.check` checks the built HTML; :mod:`.browser_pages` and
:mod:`.browser_explorers` check the pages and drive the explorers in headless Chromium. Every file
the tool writes goes through :mod:`rmtdiff.util.io` (atomic writes).
"""
