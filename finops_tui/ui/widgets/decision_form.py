"""The turn's decisions as proper inputs, grouped; it posts what the player changes."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, RadioButton, RadioSet, Select, Switch

from finops_tui.engine.decisions import Decisions
from finops_tui.gameplay.fields import FieldSpec, read_decision
from finops_tui.ui.widgets.number_input import NumberInput


class ChoiceButton(RadioButton):
    """A radio button whose dot shows only when chosen: readable without colour."""

    def render(self) -> Content:
        # The inner mark is read at each render: chosen or not, as the value is now.
        self.BUTTON_INNER = "●" if self.value else " "
        return super().render()


class DecisionForm(VerticalScroll, can_focus=False):
    """One row per decision the level enables. Holds no game state: `show()` feeds it."""

    DEFAULT_CSS = """
    DecisionForm {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    DecisionForm .group-title {
        text-style: bold;
        margin-top: 1;
        width: 1fr;
    }
    DecisionForm .group-title.-first {
        margin-top: 0;
    }
    DecisionForm .field {
        height: auto;
        width: 1fr;
    }
    DecisionForm .field-label {
        width: 15;
        padding-right: 1;
    }
    DecisionForm .field > Input, DecisionForm .field > Select, DecisionForm .field > RadioSet {
        width: 1fr;
    }
    DecisionForm .field.-switch > .field-label {
        width: 1fr;
    }
    DecisionForm .switch-state {
        width: 5;
        padding: 0 1;
    }
    DecisionForm .field > Switch {
        border: none;
        padding: 0;
        height: 1;
    }
    """

    class Changed(Message):
        """The player set a decision to a valid value; `typed` when it came from typing."""

        def __init__(self, key: str, value: Any, typed: bool = False) -> None:
            super().__init__()
            self.key = key
            self.value = value
            self.typed = typed

    class Invalid(Message):
        """A typed value cannot be a decision (message), or is fine again (None)."""

        def __init__(self, key: str, message: str | None) -> None:
            super().__init__()
            self.key = key
            self.message = message

    def __init__(self, fields: list[FieldSpec], decisions: Decisions, **kwargs) -> None:
        super().__init__(**kwargs)
        self.fields = fields
        self._by_id = {spec.widget_id: spec for spec in fields}
        self._initial = decisions

    def compose(self) -> ComposeResult:
        group = None
        for spec in self.fields:
            if spec.group != group:
                first = group is None
                group = spec.group
                yield Label(
                    group.upper(),
                    classes="group-title" + (" -first" if first else ""),
                    markup=False,
                )
            switch = spec.kind == "switch"
            row = Horizontal(
                classes="field -switch" if switch else "field", id=f"row-{spec.widget_id}"
            )
            row.tooltip = spec.help
            control = self._control(spec, read_decision(self._initial, spec.key))
            with row:
                # A switch reads "[on] Budget alerts $100"; other fields "label  control".
                if isinstance(control, Switch):  # the kind "switch" is always a Switch
                    yield control
                    yield Label(_on_off(control.value), classes="switch-state", markup=False)
                yield Label(spec.label, classes="field-label", markup=False)
                if not switch:
                    yield control

    def on_mount(self) -> None:
        self.show_rows(self._initial)

    def _control(self, spec: FieldSpec, value: Any) -> Widget:
        wid = spec.widget_id
        if spec.kind == "select":
            values = [v for v, _ in spec.options]
            options = [(label, v) for v, label in spec.options]
            if value in values:
                return Select(options, value=value, allow_blank=False, compact=True, id=wid)
            return Select(options, compact=True, id=wid)
        if spec.kind == "radio":
            buttons = [ChoiceButton(label, value == v, name=v) for v, label in spec.options]
            return RadioSet(*buttons, compact=True, id=wid)
        if spec.kind == "switch":
            return Switch(bool(value), id=wid)
        return NumberInput(spec.shown(value), integer=spec.kind == "integer", id=wid)

    def spec_for(self, widget: Widget | None) -> FieldSpec | None:
        """The field a widget (or one of its children) edits."""
        while widget is not None and widget is not self:
            if widget.id in self._by_id:
                return self._by_id[widget.id]
            widget = widget.parent  # type: ignore[assignment]
        return None

    def show(self, decisions: Decisions, keys: set[str] | None = None) -> None:
        """Make every control (or those of `keys`) show `decisions`; controls already
        showing them are untouched."""
        for spec in self.fields:
            if keys is not None and spec.key not in keys:
                continue
            value = read_decision(decisions, spec.key)
            control = self.query_one(f"#{spec.widget_id}")
            if isinstance(control, Select):
                if control.value != value and value in [v for v, _ in spec.options]:
                    control.value = value
            elif isinstance(control, RadioSet):
                for button in control.query(RadioButton):
                    if button.name == value and not button.value:
                        button.value = True
            elif isinstance(control, Switch):
                control.value = bool(value)
            elif isinstance(control, Input):
                try:
                    same = spec.parse(control.value) == value
                except ValueError:
                    same = False
                if not same:
                    control.value = spec.shown(value)
        self.show_rows(decisions)

    def show_rows(self, decisions: Decisions) -> None:
        for spec in self.fields:
            if spec.only_when is not None:
                key, wanted = spec.only_when
                row = self.query_one(f"#row-{spec.widget_id}")
                row.display = read_decision(decisions, key) == wanted

    def highlight_row(self, spec: FieldSpec | None) -> None:
        """Mark the row being edited (the label reads reversed, so it shows without colour)."""
        for row in self.query(".field.-focused"):
            row.remove_class("-focused")
        if spec is not None:
            self.query_one(f"#row-{spec.widget_id}").add_class("-focused")

    def mark_problems(self, keys: set[str]) -> None:
        """Flag the rows whose decisions stop the turn from ending."""
        for spec in self.fields:
            self.query_one(f"#row-{spec.widget_id}").set_class(spec.key in keys, "-problem")

    def focus_field(self, key: str) -> bool:
        for spec in self.fields:
            if spec.key == key:
                control = self.query_one(f"#{spec.widget_id}")
                if control.display and control.parent is not None and control.parent.display:
                    control.focus()
                    return True
        return False

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        spec = self.spec_for(event.control)
        if spec is not None and event.value is not Select.NULL:
            self.post_message(self.Changed(spec.key, event.value))

    @on(RadioSet.Changed)
    def _radio_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        spec = self.spec_for(event.radio_set)
        if spec is not None and event.pressed.name is not None:
            self.post_message(self.Changed(spec.key, event.pressed.name))

    @on(Switch.Changed)
    def _switch_changed(self, event: Switch.Changed) -> None:
        event.stop()
        if event.switch.parent is not None:
            event.switch.parent.query_one(".switch-state", Label).update(_on_off(event.value))
        spec = self.spec_for(event.switch)
        if spec is not None:
            self.post_message(self.Changed(spec.key, event.value))

    @on(Input.Changed)
    def _number_changed(self, event: Input.Changed) -> None:
        event.stop()
        spec = self.spec_for(event.input)
        if spec is None:
            return
        try:
            value = spec.parse(event.value)
        except ValueError as exc:
            event.input.set_class(True, "-invalid")
            self.post_message(self.Invalid(spec.key, str(exc)))
            return
        event.input.set_class(False, "-invalid")
        self.post_message(self.Invalid(spec.key, None))
        self.post_message(self.Changed(spec.key, value, typed=True))

    @on(Input.Submitted)
    def _number_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()


def _on_off(value: bool) -> str:
    return "on" if value else "off"
