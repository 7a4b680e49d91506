"""Duro behind the PLM port: components as released items, their children as the eBOM, approved
change orders as engineering changes, ION nonconformances as draft change orders."""
