#!/usr/bin/env python3
# Copyright 2026 The Chorus developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check that po/POTFILES.in lists exactly the files with translatable strings.

A source file with marked strings that POTFILES.in leaves out never reaches
translators; a listed file that is gone or has no marked strings breaks or
clutters the template.

Usage: check-potfiles.py SOURCE_ROOT
"""

import pathlib
import re
import sys

# Folders whose files ship to users. Tests are not translated.
SCANNED_FOLDERS = ('app', 'data')

C_MARKER = re.compile(r'(?<![\w])(?:_|N_|C_|NC_|Q_|g_dngettext|g_dpgettext2|ngettext)\s*\(')
UI_MARKER = re.compile(r'translatable\s*=\s*"(?:yes|true|1)"')
SCHEMA_MARKER = re.compile(r'<(?:summary|description)>')


SOURCE_SUFFIXES = ('.c', '.h', '.ui', '.gschema.xml', '.desktop.in', '.metainfo.xml.in')


def has_translatable_strings(path):
    name = path.name
    if not name.endswith(SOURCE_SUFFIXES):
        return False
    text = path.read_text(encoding='utf-8')

    if name.endswith(('.c', '.h')):
        return C_MARKER.search(text) is not None
    if name.endswith('.ui'):
        return UI_MARKER.search(text) is not None
    if name.endswith('.gschema.xml'):
        return 'gettext-domain' in text and SCHEMA_MARKER.search(text) is not None
    if name.endswith(('.desktop.in', '.metainfo.xml.in')):
        return True
    return False


def read_potfiles(path):
    entries = []
    for line in path.read_text(encoding='utf-8').splitlines():
        line = line.strip()
        if line and not line.startswith('#'):
            entries.append(line)
    return entries


def main():
    root = pathlib.Path(sys.argv[1])
    listed = read_potfiles(root / 'po' / 'POTFILES.in')
    problems = []

    duplicates = sorted({entry for entry in listed if listed.count(entry) > 1})
    for entry in duplicates:
        problems.append(f'po/POTFILES.in lists {entry} more than once')

    for entry in listed:
        path = root / entry
        if not path.is_file():
            problems.append(f'po/POTFILES.in lists {entry}, which does not exist')
        elif not has_translatable_strings(path):
            problems.append(f'po/POTFILES.in lists {entry}, which has no translatable strings')

    for folder in SCANNED_FOLDERS:
        for path in sorted((root / folder).rglob('*')):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and relative not in listed and has_translatable_strings(path):
                problems.append(f'{relative} has translatable strings but is missing from po/POTFILES.in')

    for problem in problems:
        print(f'FAIL: {problem}')
    if problems:
        return 1

    print(f'ok: po/POTFILES.in lists all {len(listed)} files with translatable strings')
    return 0


if __name__ == '__main__':
    sys.exit(main())
