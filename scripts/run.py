"""`make run`: start the local stand-ins (unless real systems are configured) and, once it
exists, the service. Until then it runs the sandbox Kubernetes API in the foreground."""
