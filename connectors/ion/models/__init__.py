"""Pydantic models of the ION objects ion-sync reads, one module per object, named and shaped
as ION returns them (ion.md §3). Each query selects a subset of an object's fields, so the
fields a query may leave out have defaults.

Validation here is the first line against bad input: a record that fails it becomes a dead
letter whose reason names the record and the field (`connectors.validation`)."""
