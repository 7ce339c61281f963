"""Messages between a reporter and the caseworkers, and evidence the reporter sends."""
