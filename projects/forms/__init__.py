"""Forms, one module per concept. They list their fields explicitly: state, stage, owners and
sponsors are never posted. Lists of rows (risks, stakeholders, tasks…) are declared with their
services in `projects/lists.py`."""
