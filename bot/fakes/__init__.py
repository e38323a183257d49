"""Local stand-ins (real HTTP servers) for the services regbot talks to."""
