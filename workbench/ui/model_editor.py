"""Editing the system model from forms: components, trust zones and flows.

A form changes a component's display name and attributes, never its id; the
separate "rename id" action calls :meth:`Session.rename_component`, which keeps
decisions attached. Attributes get a widget typed by their definition: a bool
is a three-state dropdown (unstated / true / false), an enum a dropdown with
"unstated", a list of fixed choices a multi-select, anything else a text box
(lists and links separated by commas).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as W

from workbench.ui.scan import attach_scan_tab
from workbench.ui.style import field_error, html_widget, result_html

__all__ = [
    "ComponentForm",
    "FlowForm",
    "ModelEditor",
    "ZoneForm",
    "attribute_widget",
    "read_widget",
]

NEW = ""
UNSTATED = ""
_STYLE: dict[str, str] = {}
_SKIP = ("name", "description")  # shown as their own fields
_NOT_EDITABLE = ("record", "records")


_html = html_widget


def _message(result: Any) -> str:
    return result_html(result, fields=True)


def _tri_options() -> list[tuple[str, str]]:
    return [("unstated", UNSTATED), ("true", "true"), ("false", "false")]


def attribute_widget(spec: Any, value: Any = None) -> W.Widget | None:
    """A widget for one attribute, typed by its definition (``None`` for records)."""
    common: dict[str, Any] = {
        "description": spec.name.replace("_", " "),
        "style": _STYLE,
        "tooltip": spec.description,
        "layout": W.Layout(width="98%"),
    }
    if spec.type in _NOT_EDITABLE:
        return None
    if spec.type == "bool":
        v = UNSTATED if value is None else ("true" if value else "false")
        return W.Dropdown(options=_tri_options(), value=v, **common)
    if spec.type == "enum":
        options = [("unstated", UNSTATED)] + [(c, c) for c in spec.choices or ()]
        v = value if value in (spec.choices or ()) else UNSTATED
        return W.Dropdown(options=options, value=v, **common)
    if spec.type == "list" and spec.choices:
        chosen = tuple(x for x in (value or ()) if x in spec.choices)
        return W.SelectMultiple(
            options=list(spec.choices), value=chosen, rows=min(5, len(spec.choices)), **common
        )
    if spec.type in ("list", "links"):
        text = ", ".join(str(x) for x in (value or ()))
        return W.Text(value=text, placeholder="separate items with commas", **common)
    placeholder = {
        "date": "yyyy-mm-dd",
        "number": "a number",
        "integer": "a whole number",
        "link": "https://… or a file path",
    }.get(spec.type, spec.expected() if spec.pattern else "")
    return W.Text(value="" if value is None else str(value), placeholder=placeholder, **common)


def read_widget(spec: Any, widget: W.Widget) -> Any:
    """The value a widget holds, as the model wants it (``None`` = unstated)."""
    value = widget.value
    if spec.type == "bool":
        return None if value == UNSTATED else value == "true"
    if spec.type == "enum":
        return None if value == UNSTATED else value
    if spec.type == "list" and spec.choices:
        return tuple(value) or None
    if spec.type in ("list", "links"):
        items = [x.strip() for x in str(value).split(",") if x.strip()]
        return tuple(items) or None
    text = str(value).strip()
    if not text:
        return None
    if spec.type == "integer":
        try:
            return int(text)
        except ValueError:
            return text  # the model says what is wrong
    if spec.type == "number":
        try:
            return float(text) if any(c in text for c in ".eE") else int(text)
        except ValueError:
            return text
    return text


class _EditForm:
    """What the component, zone and flow forms share: the picker of the element to edit
    ("new" to add one), the add, save and remove buttons, and the result message."""

    pick: W.Dropdown

    def _start(
        self,
        session: Any,
        on_message: Callable[[str, bool], None] | None,
        labels: tuple[str, str, str],
    ) -> None:
        self.session = session
        self._message = on_message or (lambda text, ok: None)
        self._updating = False
        add, save, remove = labels
        self.add = W.Button(description=add, button_style="primary", icon="plus")
        self.save = W.Button(description=save, button_style="primary", icon="save")
        self.remove = W.Button(description=remove, button_style="danger", icon="trash")
        self.message = _html()
        self.add.on_click(lambda _b: self.submit_add())
        self.save.on_click(lambda _b: self.submit_save())
        self.remove.on_click(lambda _b: self.submit_remove())

    def _set_options(
        self, options: list[tuple[str, str]], *others: tuple[W.Dropdown, list[Any]]
    ) -> None:
        """New options for the picker (and other dropdowns), keeping the pick if it stays."""
        self._updating = True
        try:
            current = self.pick.value
            if list(self.pick.options) != options:
                self.pick.options = options
            for w, opts in others:
                if list(w.options) != opts:
                    w.options = opts
            self.pick.value = current if current in {o[1] for o in options} else NEW
        finally:
            self._updating = False
        self._load()

    def _show_buttons(self, existing: bool) -> None:
        self.add.layout.display = "none" if existing else ""
        self.save.layout.display = "" if existing else "none"
        self.remove.layout.display = "" if existing else "none"

    def _done(self, result: Any) -> Any:
        self.message.value = _message(result)
        self._message(result.message, result.ok)
        return result

    def _load(self) -> None:
        raise NotImplementedError

    def submit_add(self) -> Any:
        raise NotImplementedError

    def submit_save(self) -> Any:
        raise NotImplementedError

    def submit_remove(self) -> Any:
        raise NotImplementedError


class ComponentForm(_EditForm):
    """Add, change, remove and rename components."""

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self._start(session, on_message, ("Add component", "Save changes", "Remove component"))
        self._attr_widgets: dict[str, tuple[Any, W.Widget]] = {}
        from workbench.model.definitions import KINDS

        self.pick = W.Dropdown(description="Component", style=_STYLE, layout=W.Layout(width="98%"))
        self.id = W.Text(
            description="id",
            placeholder="letters, digits, - _ . (never changes)",
            style=_STYLE,
            layout=W.Layout(width="60%"),
        )
        half = W.Layout(width="auto", min_width="min(100%, 24em)", flex="1 1 24em")
        self.kind = W.Dropdown(description="kind", options=list(KINDS), style=_STYLE, layout=half)
        self.zone = W.Dropdown(description="zone", style=_STYLE, layout=half)
        self.name = W.Text(description="display name", style=_STYLE, layout=W.Layout(width="98%"))
        self.description = W.Text(
            description="description", style=_STYLE, layout=W.Layout(width="98%")
        )
        self.attrs = W.GridBox(
            layout=W.Layout(
                grid_template_columns="repeat(auto-fill, minmax(min(100%, 24em), 1fr))", width="98%"
            )
        )
        self.new_id = W.Text(description="new id", style=_STYLE)
        self.rename = W.Button(description="Rename id", icon="i-cursor")
        self._confirm_remove: str | None = None
        self.pick.observe(self._on_pick, names="value")
        self.kind.observe(self._on_kind, names="value")
        self.rename.on_click(lambda _b: self.submit_rename())
        self.rename_box = W.HBox([self.new_id, self.rename])
        self.widget = W.VBox(
            [
                self.pick,
                self.id,
                W.HBox([self.kind, self.zone], layout=W.Layout(flex_flow="row wrap")),
                self.name,
                self.description,
                _html(
                    "<b>Attributes</b> <span class='wb-muted wb-small'>(unstated means the model "
                    "does not say; rules then assume the insecure value and tell you)</span>"
                ),
                self.attrs,
                W.HBox([self.add, self.save, self.remove]),
                _html(
                    "<b>Rename</b> <span class='wb-muted wb-small'>(changes the id everywhere; "
                    "decisions stay attached and the rename is logged)</span>"
                ),
                self.rename_box,
                self.message,
            ]
        )
        self.refresh()

    # -- drawing --------------------------------------------------------------------------------
    def refresh(self) -> None:
        model = self.session.model
        options = [("— new component —", NEW)] + [
            (f"{c.name} ({c.id})", c.id) for c in model.components()
        ]
        zones = [(f"{z.name} (trust {z.trust})", z.id) for z in model.zones()]
        self._set_options(options, (self.zone, zones))

    def _load(self) -> None:
        cid = self.pick.value
        model = self.session.model
        existing = bool(cid) and cid in model
        self._updating = True
        try:
            if existing:
                c = model.component(cid)
                self.id.value = c.id
                self.kind.value = c.kind
                if c.zone in {o[1] for o in self.zone.options}:
                    self.zone.value = c.zone
                self.name.value = str(c.attrs.get("name") or "")
                self.description.value = str(c.attrs.get("description") or "")
            else:
                self.id.value = ""
                self.name.value = ""
                self.description.value = ""
                if self.zone.value is None and self.zone.options:
                    self.zone.value = self.zone.options[0][1]
        finally:
            self._updating = False
        self.id.disabled = existing
        self._show_buttons(existing)
        self.rename_box.layout.display = "" if existing else "none"
        self._confirm_remove = None
        self.remove.description = "Remove component"
        self._build_attrs(model.component(cid).attrs if existing else {})

    def _build_attrs(self, values: Any) -> None:
        specs = self.session.model.attributes_for(self.kind.value)
        widgets: dict[str, tuple[Any, W.Widget]] = {}
        children = []
        for name, spec in specs.items():
            if name in _SKIP:
                continue
            w = attribute_widget(spec, values.get(name))
            if w is None:
                continue
            widgets[name] = (spec, w)
            children.append(w)
        self._attr_widgets = widgets
        self.attrs.children = children

    def _on_pick(self, _change: dict[str, Any]) -> None:
        if not self._updating:
            self._load()

    def _on_kind(self, _change: dict[str, Any]) -> None:
        if self._updating:
            return
        cid = self.pick.value
        model = self.session.model
        current = model.component(cid).attrs if cid and cid in model else {}
        self._build_attrs(current)

    def _values(self, *, changed_from: Any = None) -> dict[str, Any]:
        values: dict[str, Any] = {
            "name": self.name.value.strip() or None,
            "description": self.description.value.strip() or None,
        }
        for name, (spec, w) in self._attr_widgets.items():
            values[name] = read_widget(spec, w)
        if changed_from is None:
            return {k: v for k, v in values.items() if v is not None}
        out = {}
        for k, v in values.items():
            old = changed_from.get(k)
            if isinstance(old, list):
                old = tuple(old)
            if v != old:
                out[k] = v
        return out

    # -- actions ----------------------------------------------------------------------------------
    def submit_add(self) -> Any:
        cid = self.id.value.strip()
        result = self.session.add_component(
            cid, self.kind.value, self.zone.value or "", **self._values()
        )
        if result.ok:
            self.pick.value = cid
        return self._done(result)

    def submit_save(self) -> Any:
        cid = self.pick.value
        model = self.session.model
        if not cid or cid not in model:
            return None
        c = model.component(cid)
        changes = self._values(changed_from=c.attrs)
        if self.kind.value != c.kind:
            changes["kind"] = self.kind.value
        if self.zone.value != c.zone:
            changes["zone"] = self.zone.value
        if not changes:
            self.message.value = '<span class="wb-muted">nothing changed</span>'
            return None
        return self._done(self.session.update_component(cid, **changes))

    def submit_remove(self) -> Any:
        cid = self.pick.value
        if not cid:
            return None
        if self._confirm_remove != cid:
            self._confirm_remove = cid
            self.remove.description = "Click again to remove"
            n = len(self.session.model.flows_of(cid))
            self.message.value = field_error(
                f"remove {cid} and its {n} flow{'s' if n != 1 else ''}? click again to confirm"
            )
            return None
        self._confirm_remove = None
        result = self.session.remove_component(cid)
        return self._done(result)

    def submit_rename(self) -> Any:
        old = self.pick.value
        new = self.new_id.value.strip()
        if not old:
            return None
        result = self.session.rename_component(old, new)
        if result.ok:
            self.new_id.value = ""
            self.pick.value = new
        return self._done(result)


class ZoneForm(_EditForm):
    """Add, change and remove trust zones."""

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self._start(session, on_message, ("Add zone", "Save zone", "Remove zone"))
        self.pick = W.Dropdown(description="Zone", style=_STYLE)
        self.id = W.Text(description="id", style=_STYLE)
        self.trust = W.BoundedIntText(
            description="trust level",
            min=0,
            max=100,
            value=0,
            style=_STYLE,
            tooltip="higher is more trusted",
        )
        self.name = W.Text(description="display name", style=_STYLE)
        self.pick.observe(lambda _c: None if self._updating else self._load(), names="value")
        self.widget = W.VBox(
            [
                self.pick,
                self.id,
                self.trust,
                self.name,
                W.HBox([self.add, self.save, self.remove]),
                self.message,
            ]
        )
        self.refresh()

    def refresh(self) -> None:
        options = [("— new zone —", NEW)] + [
            (f"{z.name} ({z.id}, trust {z.trust})", z.id) for z in self.session.model.zones()
        ]
        self._set_options(options)

    def _load(self) -> None:
        zid = self.pick.value
        zones = {z.id: z for z in self.session.model.zones()}
        z = zones.get(zid) if zid else None
        self.id.value = z.id if z else ""
        self.id.disabled = z is not None
        self.trust.value = z.trust if z else 0
        self.name.value = str(z.attrs.get("name") or "") if z else ""
        self._show_buttons(z is not None)

    def submit_add(self) -> Any:
        zid = self.id.value.strip()
        result = self.session.add_zone(zid, int(self.trust.value), self.name.value.strip() or None)
        if result.ok:
            self.pick.value = zid
        return self._done(result)

    def submit_save(self) -> Any:
        zid = self.pick.value
        if not zid:
            return None
        return self._done(
            self.session.update_zone(
                zid, trust=int(self.trust.value), name=self.name.value.strip() or None
            )
        )

    def submit_remove(self) -> Any:
        zid = self.pick.value
        if not zid:
            return None
        return self._done(self.session.remove_zone(zid))


class FlowForm(_EditForm):
    """Add, change and remove flows."""

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        from workbench.model.definitions import DATA_KINDS

        self._start(session, on_message, ("Add flow", "Save flow", "Remove flow"))
        self.pick = W.Dropdown(description="Flow", style=_STYLE, layout=W.Layout(width="98%"))
        self.id = W.Text(description="id", style=_STYLE)
        self.source = W.Dropdown(
            description="from",
            style=_STYLE,
            layout=W.Layout(width="auto", min_width="min(100%, 24em)", flex="1 1 24em"),
        )
        self.target = W.Dropdown(
            description="to",
            style=_STYLE,
            layout=W.Layout(width="auto", min_width="min(100%, 24em)", flex="1 1 24em"),
        )
        self.data = W.SelectMultiple(
            description="data kinds", options=list(DATA_KINDS), rows=7, style=_STYLE
        )
        self.encrypted = W.Dropdown(description="encrypted", options=_tri_options(), style=_STYLE)
        self.authenticated = W.Dropdown(
            description="authenticated", options=_tri_options(), style=_STYLE
        )
        self.protocol = W.Text(
            description="protocol", placeholder="https, grpc, kafka…", style=_STYLE
        )
        self.name = W.Text(description="display name", style=_STYLE)
        self.pick.observe(lambda _c: None if self._updating else self._load(), names="value")
        self.widget = W.VBox(
            [
                self.pick,
                self.id,
                W.HBox([self.source, self.target], layout=W.Layout(flex_flow="row wrap")),
                self.data,
                W.HBox([self.encrypted, self.authenticated], layout=W.Layout(flex_flow="row wrap")),
                W.HBox([self.protocol, self.name], layout=W.Layout(flex_flow="row wrap")),
                W.HBox([self.add, self.save, self.remove]),
                self.message,
            ]
        )
        self.refresh()

    def refresh(self) -> None:
        model = self.session.model
        names = {c.id: c.name for c in model.components()}
        options = [("— new flow —", NEW)] + [
            (f"{f.name}: {names.get(f.source, f.source)} → {names.get(f.target, f.target)}", f.id)
            for f in model.flows()
        ]
        ends = [(f"{c.name} ({c.id})", c.id) for c in model.components()]
        self._set_options(options, (self.source, ends), (self.target, ends))

    def _load(self) -> None:
        fid = self.pick.value
        model = self.session.model
        flow = None
        if fid:
            try:
                flow = model.flow(fid)
            except (KeyError, LookupError):
                flow = None
        self._updating = True
        try:
            self.id.value = flow.id if flow else ""
            self.id.disabled = flow is not None
            if flow:
                self.source.value = flow.source
                self.target.value = flow.target
            self.data.value = tuple(
                d for d in (flow.data if flow else ()) if d in self.data.options
            )
            for w, v in (
                (self.encrypted, flow.encrypted if flow else None),
                (self.authenticated, flow.authenticated if flow else None),
            ):
                w.value = UNSTATED if v is None else ("true" if v else "false")
            self.protocol.value = (flow.protocol or "") if flow else ""
            self.name.value = str(flow.attrs.get("name") or "") if flow else ""
        finally:
            self._updating = False
        self._show_buttons(flow is not None)

    @staticmethod
    def _tri(w: W.Dropdown) -> bool | None:
        return None if w.value == UNSTATED else w.value == "true"

    def _attrs(self) -> dict[str, Any]:
        return {
            "encrypted": self._tri(self.encrypted),
            "authenticated": self._tri(self.authenticated),
            "protocol": self.protocol.value.strip() or None,
            "name": self.name.value.strip() or None,
        }

    def submit_add(self) -> Any:
        fid = self.id.value.strip()
        attrs = {k: v for k, v in self._attrs().items() if v is not None}
        result = self.session.add_flow(
            fid, self.source.value or "", self.target.value or "", list(self.data.value), **attrs
        )
        if result.ok:
            self.pick.value = fid
        return self._done(result)

    def submit_save(self) -> Any:
        fid = self.pick.value
        if not fid:
            return None
        return self._done(
            self.session.update_flow(
                fid,
                source=self.source.value,
                target=self.target.value,
                data=tuple(self.data.value) or None,
                **self._attrs(),
            )
        )

    def submit_remove(self) -> Any:
        fid = self.pick.value
        if not fid:
            return None
        return self._done(self.session.remove_flow(fid))


class ModelEditor:
    """Components, zones and flows forms in an accordion-like set of tabs."""

    def __init__(self, session: Any, on_message: Callable[[str, bool], None] | None = None):
        self.components = ComponentForm(session, on_message)
        self.zones = ZoneForm(session, on_message)
        self.flows = FlowForm(session, on_message)
        self.widget = W.Tab(
            children=[self.components.widget, self.flows.widget, self.zones.widget],
            titles=["Components", "Flows", "Trust zones"],
        )
        self.widget.add_class("wb-editor")
        self.scan = attach_scan_tab(self, session, on_message)

    def refresh(self) -> None:
        self.components.refresh()
        self.zones.refresh()
        self.flows.refresh()
        self.scan.refresh()
