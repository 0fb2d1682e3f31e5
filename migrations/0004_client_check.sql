-- A statement whose client has gone away keeps running (or waiting for a
-- lock) until it next writes to the socket, holding a backend all the while:
-- a worker closes its socket on a statement it gave up on when the cancel
-- request did not get through, and an isolate can end mid-statement. Postgres
-- (14 and later, on Linux) can look for a closed client connection while a
-- statement runs and end it; the check is one poll() of the socket. Set for
-- the database, so every connection, pooled ones included, has it without
-- session state.
do $$
begin
    execute format('alter database %I set client_connection_check_interval = %L', current_database(), '2s');
end
$$;
