"""The FHIR R4 export of a client's record (docs/fhir.md): code tables (`codes`), resource
builders (`resources`, `medications`, `plans`, `consent`), loading (`records`), the Bundle
(`export.client_bundle`) and its route (`views`)."""
