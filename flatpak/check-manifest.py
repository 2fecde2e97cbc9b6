#!/usr/bin/env python3
# Copyright 2026 The Chorus developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check the Flatpak manifest against the desktop file and the metainfo.

Nothing here can reach Flathub or install the GNOME runtime, so this checks
what can be checked statically: the id, command and finish-args, the
runtime, and the manifest keys that Flathub's linter rejects.

Usage: check-manifest.py MANIFEST DESKTOP_FILE METAINFO_FILE
"""

import configparser
import json
import sys
import xml.etree.ElementTree as ElementTree

EXPECTED_FINISH_ARGS = {
    '--share=network',
    '--share=ipc',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--device=dri',
}
# GNOME 50 is the oldest runtime that Flathub still supports in late 2026.
MIN_RUNTIME_VERSION = 50
FORBIDDEN_KEYS = {'branch'}


def read_desktop_entry(path):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path, encoding='utf-8')
    return parser['Desktop Entry']


def main():
    manifest_path, desktop_path, metainfo_path = sys.argv[1:4]
    with open(manifest_path, encoding='utf-8') as manifest_file:
        manifest = json.load(manifest_file)
    desktop = read_desktop_entry(desktop_path)
    metainfo = ElementTree.parse(metainfo_path).getroot()
    app_id = metainfo.findtext('id')
    problems = []

    def expect(description, actual, expected):
        if actual != expected:
            problems.append(f'{description}: expected {expected!r}, found {actual!r}')

    expect('manifest id', manifest.get('id'), app_id)
    expect('desktop file name', desktop_path.rsplit('/', 1)[-1], f'{app_id}.desktop')
    expect('metainfo launchable', metainfo.findtext('launchable'), f'{app_id}.desktop')
    expect('desktop Icon', desktop.get('Icon'), app_id)

    command = manifest.get('command', '')
    exec_program = desktop.get('Exec', '').split()[0] if desktop.get('Exec') else ''
    expect('manifest command', command, exec_program)
    if '/' in command:
        problems.append(f'command {command!r} must be a program name, not a path')

    finish_args = manifest.get('finish-args', [])
    if len(finish_args) != len(set(finish_args)):
        problems.append(f'finish-args has duplicates: {finish_args}')
    expect('finish-args', set(finish_args), EXPECTED_FINISH_ARGS)

    expect('runtime', manifest.get('runtime'), 'org.gnome.Platform')
    expect('sdk', manifest.get('sdk'), 'org.gnome.Sdk')
    runtime_version = str(manifest.get('runtime-version', ''))
    if not runtime_version.isdigit() or int(runtime_version) < MIN_RUNTIME_VERSION:
        problems.append(f'runtime-version {runtime_version!r} is older than GNOME {MIN_RUNTIME_VERSION}')

    for key in FORBIDDEN_KEYS & manifest.keys():
        problems.append(f'Flathub rejects the top-level key {key!r}')

    modules = manifest.get('modules', [])
    if not modules or modules[-1].get('buildsystem') != 'meson':
        problems.append('the last module must build Chorus with meson')
    for module in modules:
        build_args = module.get('build-options', {}).get('build-args', [])
        if '--share=network' in build_args:
            problems.append(f'module {module.get("name")} uses the network while building')

    for problem in problems:
        print(f'FAIL: {problem}')
    if problems:
        return 1

    print(f'ok: {manifest_path} matches {app_id} and has exactly {len(finish_args)} finish-args')
    return 0


if __name__ == '__main__':
    sys.exit(main())
