"""Browser pages of the workspaces app, one module per area. Views declare model, form, table,
filterset and permission action; the base classes in `seqera.views` and `workspaces.tenancy` bring
scoping (404 outside, 403 below the role), and every write goes through a form's `save()`, i.e.
through `workspaces.services`. Routes: `workspaces.urls` (namespaced) and `workspaces.account_urls`."""
