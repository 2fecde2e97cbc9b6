#!/usr/bin/env python3
# Copyright 2026 The Chorus developers
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find user-visible strings that are not marked for translation.

In .ui files: properties and menu attributes that show text (label,
title, tooltip-text, …) without translatable="yes", including the
templates embedded in GtkBuilderListItemFactory bytes. An explicit
translatable="no" counts as a decision and passes.

In C: string literals passed straight to GTK, libadwaita and GIO calls
that show text, to user-visible properties in the property lists
of g_object_new(), g_object_set() and adw_show_about_window(), and to GError constructors in the layers whose errors
reach the window (app/ui and app/model).

Text without letters ("·", "#", "%s") needs no translation and passes.

Usage: check-unmarked.py SOURCE_ROOT
"""

import pathlib
import re
import sys
import xml.parsers.expat

UI_TEXT_PROPERTIES = {
    'label', 'title', 'subtitle', 'tooltip-text', 'tooltip-markup',
    'placeholder-text', 'description', 'text', 'heading', 'body',
    'secondary-text', 'comments', 'button-label', 'accelerator-label',
}
ACCESSIBLE_TEXT_PROPERTIES = {'label', 'description'}

# Function name -> indexes of the arguments that are shown to the user.
C_TEXT_ARGUMENTS = {
    'gtk_label_new': (0,),
    'gtk_label_new_with_mnemonic': (0,),
    'gtk_label_set_text': (1,),
    'gtk_label_set_label': (1,),
    'gtk_label_set_markup': (1,),
    'gtk_label_set_text_with_mnemonic': (1,),
    'gtk_label_set_markup_with_mnemonic': (1,),
    'gtk_button_new_with_label': (0,),
    'gtk_button_new_with_mnemonic': (0,),
    'gtk_button_set_label': (1,),
    'gtk_check_button_new_with_label': (0,),
    'gtk_check_button_set_label': (1,),
    'gtk_menu_button_set_label': (1,),
    'gtk_widget_set_tooltip_text': (1,),
    'gtk_widget_set_tooltip_markup': (1,),
    'gtk_window_set_title': (1,),
    'gtk_text_set_placeholder_text': (1,),
    'gtk_entry_set_placeholder_text': (1,),
    'adw_toast_new': (0,),
    'adw_toast_set_title': (1,),
    'adw_toast_set_button_label': (1,),
    'adw_status_page_set_title': (1,),
    'adw_status_page_set_description': (1,),
    'adw_window_title_new': (0, 1),
    'adw_window_title_set_title': (1,),
    'adw_window_title_set_subtitle': (1,),
    'adw_preferences_row_set_title': (1,),
    'adw_preferences_group_set_title': (1,),
    'adw_preferences_group_set_description': (1,),
    'adw_action_row_set_subtitle': (1,),
    'adw_expander_row_set_subtitle': (1,),
    'adw_message_dialog_new': (1, 2),
    'adw_message_dialog_set_heading': (1,),
    'adw_message_dialog_set_body': (1,),
    'adw_message_dialog_add_response': (2,),
    'adw_message_dialog_format_heading': (1,),
    'adw_message_dialog_format_body': (1,),
    'g_notification_new': (0,),
    'g_notification_set_title': (1,),
    'g_notification_set_body': (1,),
    'g_notification_add_button': (1,),
    'g_notification_add_button_with_target': (1,),
    'g_menu_append': (1,),
    'g_menu_item_new': (0,),
}
C_ERROR_ARGUMENTS = {
    'g_set_error': (3,),
    'g_set_error_literal': (3,),
    'g_error_new': (2,),
    'g_error_new_literal': (2,),
    'g_task_return_new_error': (3,),
}
C_ERROR_FOLDERS = ('app/ui/', 'app/model/')
# Calls that take "property-name", value pairs.
C_PROPERTY_CALLS = ('g_object_new', 'g_object_set', 'gtk_widget_new', 'adw_show_about_window')
C_TEXT_PROPERTIES = (UI_TEXT_PROPERTIES | {'application-name'}) - {'text'}

LETTER = re.compile(r'[^\W\d_]')


def needs_translation(text):
    return LETTER.search(text) is not None


class UiChecker:
    """Walks one .ui document with expat, which reports line numbers."""

    def __init__(self, path, problems, first_line=1):
        self.path = path
        self.problems = problems
        self.first_line = first_line
        self.stack = []
        self.text = []

    def run(self, data):
        parser = xml.parsers.expat.ParserCreate()
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.text.append
        self.parser = parser
        parser.Parse(data, True)

    def start(self, name, attributes):
        line = self.parser.CurrentLineNumber + self.first_line - 1
        self.stack.append((name, attributes, line))
        self.text.clear()

    def end(self, name):
        _, attributes, line = self.stack.pop()
        raw_text = ''.join(self.text)
        text = raw_text.strip()
        self.text.clear()
        parent = self.stack[-1][0] if self.stack else None
        if name == 'property' and attributes.get('name') == 'bytes':
            # Expat wants an XML declaration on the first line, so count
            # the lines before it into the offset.
            leading = raw_text[:len(raw_text) - len(raw_text.lstrip())]
            first_line = line + leading.count('\n')
            UiChecker(self.path, self.problems, first_line).run(text.encode())
        elif self.is_text(name, attributes, parent) and needs_translation(text):
            if attributes.get('translatable') not in ('yes', 'true', '1', 'no', 'false', '0'):
                self.problems.append(f'{self.path}:{line}: "{text}" is not marked translatable')

    @staticmethod
    def is_text(name, attributes, parent):
        if name == 'property' and parent == 'accessibility':
            return attributes.get('name') in ACCESSIBLE_TEXT_PROPERTIES
        if name == 'property':
            return attributes.get('name') in UI_TEXT_PROPERTIES
        if name == 'attribute':
            return attributes.get('name') == 'label'
        return name == 'item' and parent == 'items'


def strip_comments(source):
    """Blank out C comments, keeping string literals and line numbers."""
    pattern = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S)

    def blank(match):
        token = match.group(0)
        if token.startswith('/'):
            return re.sub(r'[^\n]', ' ', token)
        return token

    return pattern.sub(blank, source)


def split_arguments(source, start):
    """Return the top-level arguments of the call whose '(' is at start."""
    depth = 0
    arguments = []
    current = start + 1
    index = start
    literal = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'')
    while index < len(source):
        match = literal.match(source, index)
        if match:
            index = match.end()
            continue
        char = source[index]
        if char in '([{':
            depth += 1
        elif char in ')]}':
            depth -= 1
            if depth == 0:
                arguments.append((current, source[current:index]))
                return arguments
        elif char == ',' and depth == 1:
            arguments.append((current, source[current:index]))
            current = index + 1
        index += 1
    return arguments


def literal_text(argument):
    """Return the text of a bare string literal argument, else None."""
    argument = argument.strip()
    if not argument.startswith('"'):
        return None
    return ''.join(re.findall(r'"((?:\\.|[^"\\])*)"', argument))


def check_c_file(path, relative, problems):
    source = strip_comments(path.read_text(encoding='utf-8'))
    calls = dict(C_TEXT_ARGUMENTS)
    if relative.startswith(C_ERROR_FOLDERS):
        calls.update(C_ERROR_ARGUMENTS)

    def line_of(offset):
        return source.count('\n', 0, offset) + 1

    for match in re.finditer(r'\b(\w+)\s*\(', source):
        indexes = calls.get(match.group(1))
        if indexes is None:
            continue
        arguments = split_arguments(source, match.end() - 1)
        for index in indexes:
            if index < len(arguments):
                offset, argument = arguments[index]
                text = literal_text(argument)
                if text is not None and needs_translation(text):
                    problems.append(f'{relative}:{line_of(offset)}: "{text}" passed to '
                                    f'{match.group(1)}() is not marked with _()')

    for match in re.finditer(r'\b(' + '|'.join(C_PROPERTY_CALLS) + r')\s*\(', source):
        arguments = split_arguments(source, match.end() - 1)
        for (_, name), (offset, value) in zip(arguments, arguments[1:]):
            name = literal_text(name)
            text = literal_text(value)
            if name in C_TEXT_PROPERTIES and text is not None and needs_translation(text):
                problems.append(f'{relative}:{line_of(offset)}: "{text}" set as the '
                                f'"{name}" property is not marked with _()')


def main():
    root = pathlib.Path(sys.argv[1])
    problems = []
    checked = 0

    for path in sorted((root / 'app').rglob('*')):
        relative = path.relative_to(root).as_posix()
        if path.suffix == '.ui':
            UiChecker(relative, problems).run(path.read_bytes())
            checked += 1
        elif path.suffix == '.c':
            check_c_file(path, relative, problems)
            checked += 1

    for problem in problems:
        print(f'FAIL: {problem}')
    if problems:
        print(f'{len(problems)} user-visible strings are not marked for translation')
        return 1

    print(f'ok: no unmarked user-visible strings in {checked} .ui and .c files')
    return 0


if __name__ == '__main__':
    sys.exit(main())
