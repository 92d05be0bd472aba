"""Identity and access: who a request comes from and what they may do, apart from the views
that ask. Sign-in passwords (auth.py), single sign-on through a trusted proxy's headers
(proxy.py), roles and the access policy (roles.py), deleting what the app keeps about a person
(forget.py) and `coach users` (cli.py). The web app's Gradio adapters are coach/ui/guard.py
(the role check around every event) and coach/ui/admin_tab.py."""
