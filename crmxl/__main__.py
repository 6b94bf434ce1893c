"""``python -m crmxl``; the entry of a frozen build; and how child processes start.

``crmxl __child [--path FOLDERS] MODULE ARGS...`` (hidden) runs ``MODULE.child_main(ARGS)`` for
:mod:`crmxl.workbook.child` without importing crmxl's package (``crmxl/__init__`` loads pandas,
about a second): ``crmxl`` and ``crmxl.workbook`` are stood in by empty packages whose
``__path__`` is the real folders, so only the module asked for and what it imports is loaded.
A Python runs this file by its path (``python -I -S .../crmxl/__main__.py __child ...``); a
frozen build (PyInstaller) is this file, so there the executable itself is started with
``__child``, and its bundled modules are found under ``sys._MEIPASS``.

Everything else goes to :func:`crmxl.cli.main`, which first lets a frozen build's
multiprocessing workers (``crmxl split``) take over their process.
"""

import sys

CHILD_COMMAND = "__child"  # crmxl.workbook.child.CHILD_COMMAND (not imported: it is in the package)


def run_child(argv: list[str]) -> None:
    """``MODULE.child_main(ARGS)`` from ``argv = [MODULE, *ARGS]``, with stand-in packages."""
    import importlib
    import os
    import types

    if argv[:1] == ["--path"]:  # crmxl.workbook.child.PATH_OPTION: compiled packages' folders
        sys.path += [p for p in argv[1].split(os.pathsep) if p]
        argv = argv[2:]
    frozen = getattr(sys, "_MEIPASS", None)
    root = frozen or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for pkg in ("crmxl", "crmxl.workbook"):
        if pkg in sys.modules:  # ``python -m crmxl __child``: the real package is loaded
            continue
        stand_in = types.ModuleType(pkg)
        stand_in.__path__ = [os.path.join(root, *pkg.split("."))]
        sys.modules[pkg] = stand_in
    importlib.import_module(argv[0]).child_main(argv[1:])


if __name__ == "__main__":
    if sys.argv[1:2] == [CHILD_COMMAND]:
        run_child(sys.argv[2:])
    else:
        from crmxl.cli import main

        main()
