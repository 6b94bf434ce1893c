"""``python -m crmxl``."""

from crmxl.cli import main

main()
