"""What Enter does in a dialog with one main action (Apply presets, Apply a plan).

Qt gives Enter to the default button, and makes every auto-default button the
default while it has the focus and, when none is set in time, whichever it
picks: Enter in a list then opened "Add a fragment file…" or closed the
dialog.  Here the main action is the only auto-default button, so Enter
anywhere presses it; a button that has the focus is pressed by Enter itself
(:func:`press_focused`), as everywhere else.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def enter_presses(default: QPushButton | None, *others: QPushButton | QDialogButtonBox | None) -> None:
    """Enter presses ``default`` (None: no button) unless another button has the focus;
    ``others``: the dialog's other buttons (a button box stands for its buttons)."""
    for item in others:
        buttons = item.buttons() if isinstance(item, QDialogButtonBox) else [item]
        for b in buttons:
            if isinstance(b, QPushButton) and b is not default:
                b.setAutoDefault(False)
    if default is not None:
        default.setDefault(True)


def press_focused(dialog: QDialog, event: QKeyEvent) -> bool:
    """For ``dialog.keyPressEvent``: Enter on a button that has the focus presses it
    (one made not auto-default above passes Enter on to the dialog).  True when done."""
    if event.key() not in _ENTER:
        return False
    focused = dialog.focusWidget()
    if isinstance(focused, QPushButton) and not focused.autoDefault() and focused.isEnabled():
        focused.click()
        return True
    return False
