"""42 CFR Part 2: consents, disclosures and their accounting, emergency disclosures and
emergency access, and the FHIR R4 export. It reads every domain's records, so it stands above
them (below only the web interface and the composition root)."""
