"""The page base layer no feature app owns: generic object views (`seqera.views.generic`) and the
live-status helpers (`seqera.views.live`). Tenancy (which workspace, which role) comes from
`workspaces.tenancy`, which builds on this package; this package imports no feature app."""
