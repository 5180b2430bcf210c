"""The e-mail channel: an SMTP server in, an SMTP relay out, threads kept by headers."""
