"""The web form for reporters: server-rendered, works without JavaScript, no cookies."""
