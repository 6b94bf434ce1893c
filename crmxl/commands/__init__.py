"""One module per command, each a thin call into the domain returning a result with
``to_dict()`` and ``render(lang)``. Commands never import each other; what two share lives in a
lower layer. :mod:`crmxl.cli` calls these; so does the public API in :mod:`crmxl`."""
