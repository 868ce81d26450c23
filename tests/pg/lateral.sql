-- LATERAL subqueries and set-returning functions that read earlier FROM items.
CREATE TABLE orders (id integer PRIMARY KEY, customer text, items jsonb, n integer);
INSERT INTO orders VALUES (1, 'ann', '[{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1}]', 2), (2, 'bo', '[]', 0), (3, 'cy', '[{"sku": "a", "qty": 5}]', 3);
CREATE TABLE lines (order_id integer, amount numeric(8,2));
INSERT INTO lines VALUES (1, 10.00), (1, 5.50), (3, 7.25), (3, 1.00), (3, 2.00);
SELECT o.id, e.value ->> 'sku' AS sku FROM orders o, jsonb_array_elements(o.items) e ORDER BY 1, 2;
SELECT o.id, g FROM orders o, generate_series(1, o.n) AS g ORDER BY 1, 2;
SELECT o.id, g.x, g.i FROM orders o CROSS JOIN generate_series(1, o.n) WITH ORDINALITY AS g(x, i) ORDER BY 1, 2;
SELECT o.id, t.total FROM orders o, LATERAL (SELECT sum(amount) AS total FROM lines l WHERE l.order_id = o.id) t ORDER BY 1;
SELECT o.id, t.amount FROM orders o JOIN LATERAL (SELECT amount FROM lines l WHERE l.order_id = o.id ORDER BY amount DESC LIMIT 2) t ON true ORDER BY 1, 2;
SELECT o.id, t.amount FROM orders o LEFT JOIN LATERAL (SELECT amount FROM lines l WHERE l.order_id = o.id ORDER BY amount DESC LIMIT 1) t ON true ORDER BY 1;
SELECT o.id, t.a, t.b FROM orders o, LATERAL (SELECT o.n * 2 AS a, o.customer || '!' AS b) t ORDER BY 1;
SELECT o.id, t.amount FROM orders o, LATERAL (SELECT amount FROM lines l WHERE l.order_id = o.id) t WHERE t.amount > 2 ORDER BY 1, 2;
SELECT count(*) FROM orders o, LATERAL (SELECT * FROM lines l WHERE l.order_id = o.id) t;
SELECT o.id, k FROM orders o, jsonb_array_elements(o.items) e, jsonb_object_keys(e.value) k ORDER BY 1, 2;
SELECT * FROM orders o, LATERAL (SELECT nosuch FROM lines) t;
