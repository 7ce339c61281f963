"""What every process runs on: the database and its migrations, logging, the HTTP middleware,
page templates, and the health routes operators and load balancers poll."""
