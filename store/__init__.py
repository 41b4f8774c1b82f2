"""GridDesk database and domain: models, workflow, SLA clocks, roster rules. No Textual here."""
