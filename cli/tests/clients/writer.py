"""Writes rows through `arbor sql-server` until the server goes away,
printing each row's id once its COMMIT is acknowledged.

Run by cli/tests/server.rs as: python writer.py <port> <dbname> <threads>
The table `acked (id int PRIMARY KEY, filler text)` must exist. Each thread
inserts ids t, t + threads, t + 2 * threads, ... one transaction each.
Exits 0 when the connection is lost (as the test kills the server).
"""

import sys
import threading

import psycopg

port, dbname, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
lock = threading.Lock()


def writer(t):
    try:
        conn = psycopg.connect(host="127.0.0.1", port=port, dbname=dbname)
        i = t
        while True:
            try:
                conn.execute("INSERT INTO acked VALUES (%s, repeat('x', 200))", (i,))
                conn.commit()
            except psycopg.errors.SerializationFailure:
                conn.rollback()
                continue
            with lock:
                print(i, flush=True)
            i += threads
    except psycopg.OperationalError:
        return


workers = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
for w in workers:
    w.start()
for w in workers:
    w.join()
