"""Google Drive toolkit: definitions in YAML; uploads, downloads and friendly searches in `handlers`."""
