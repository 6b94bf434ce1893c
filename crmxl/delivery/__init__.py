"""Beyond one workbook (SPEC 2.10): the workspace in a database, and the agenda delivered.

The commands are :func:`crmxl.push` (:mod:`crmxl.commands.push`) and :func:`crmxl.send`
(:mod:`crmxl.commands.send`, ``todo --send``); this package holds what they stand on:

- :mod:`.database`: the tables generated from the schema, engines, the Alembic migrations
  (``migrations/``, shipped in the package and run by crmxl itself);
- :mod:`.rows`: a sheet's rows as the database holds them (typed values, keys, fingerprints)
  and the customers' snapshot;
- :mod:`.sync`: the upsert by key inside one transaction;
- :mod:`.trends`: the trend charts ``report --db`` adds;
- :mod:`.messages`, :mod:`.mail`, :mod:`.robots`, :mod:`.record`: an owner's agenda as a
  message, SMTP, the 企业微信/钉钉 robots, and the record of what was sent.
"""
