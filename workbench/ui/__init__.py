"""The interactive workbench: ipywidgets and plotly views over a :class:`~workbench.session.Session`.

``open_workbench(folder, template=...)`` in a notebook opens a workbench that
does the whole job: the system graph, the threat table, scoring, mitigations,
decisions, views and exports. Importing this package imports ipywidgets and
plotly; the rest of :mod:`workbench` never does.
"""

from workbench.ui.app import Workbench, open_workbench

__all__ = ["Workbench", "open_workbench"]
