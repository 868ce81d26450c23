"""SQLAlchemy (2.x, over psycopg 3) against `arbor sql-server`: tables
created from models, reflected back (columns with types and nullability,
primary keys, foreign keys, unique constraints, indexes, views, enum types,
comments), and ORM inserts, queries, updates and deletes in transactions.

Run by cli/tests/server.rs as: python sqlalchemy_orm.py <port> <dbname>
Prints "ok" and exits 0 when every check holds.
"""

import sys

from sqlalchemy import (
    Enum,
    ForeignKey,
    Index,
    MetaData,
    Numeric,
    String,
    UniqueConstraint,
    create_engine,
    inspect,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

port, dbname = sys.argv[1], sys.argv[2]
engine = create_engine(f"postgresql+psycopg://tester@127.0.0.1:{port}/{dbname}")


class Base(DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    __table_args__ = {"comment": "who wrote the books"}
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(40), unique=True, comment="pen name")
    books: Mapped[list["Book"]] = relationship(back_populates="author")


class Book(Base):
    __tablename__ = "books"
    __table_args__ = (
        UniqueConstraint("author_id", "title", name="books_author_title"),
        Index("books_price", "price"),
    )
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    title: Mapped[str] = mapped_column(String(80))
    price: Mapped[float | None] = mapped_column(Numeric(8, 2))
    kind: Mapped[str] = mapped_column(Enum("paper", "ebook", name="book_kind"), default="paper")
    author: Mapped[Author] = relationship(back_populates="books")


def check(what, got, expected):
    if got != expected:
        print(f"{what}: expected {expected!r}, got {got!r}")
        sys.exit(1)


Base.metadata.create_all(engine)
with engine.begin() as conn:
    conn.execute(text("CREATE VIEW cheap_books AS SELECT id, title FROM books WHERE price < 10"))

# Reflection: what the database says, not what the models said.
insp = inspect(engine)
# The database holds `items` already.
check("tables", sorted(insp.get_table_names()), ["authors", "books", "items"])
check("views", insp.get_view_names(), ["cheap_books"])
columns = [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns("books")]
check(
    "columns",
    columns[:4],
    [
        ("id", "INTEGER", False),
        ("author_id", "INTEGER", False),
        ("title", "VARCHAR(80)", False),
        ("price", "NUMERIC(8, 2)", True),
    ],
)
kind = insp.get_columns("books")[4]
check("enum column", (kind["name"], isinstance(kind["type"], Enum)), ("kind", True))
check("enum labels", list(kind["type"].enums), ["paper", "ebook"])
check(
    "enum types",
    [(e["name"], e["labels"]) for e in insp.get_enums()],
    [("book_kind", ["paper", "ebook"])],
)
check("table comment", insp.get_table_comment("authors")["text"], "who wrote the books")
check(
    "column comments",
    [(c["name"], c.get("comment")) for c in insp.get_columns("authors")],
    [("id", None), ("name", "pen name")],
)
check("primary key", insp.get_pk_constraint("books")["constrained_columns"], ["id"])
fks = insp.get_foreign_keys("books")
check(
    "foreign keys",
    [(f["constrained_columns"], f["referred_table"], f["referred_columns"]) for f in fks],
    [(["author_id"], "authors", ["id"])],
)
check(
    "unique constraints",
    sorted((u["name"], u["column_names"]) for u in insp.get_unique_constraints("books")),
    [("books_author_title", ["author_id", "title"])],
)
indexes = {i["name"]: (i["column_names"], i["unique"]) for i in insp.get_indexes("books")}
check("index", indexes.get("books_price"), (["price"], False))
reflected = MetaData()
reflected.reflect(engine, views=True)
check("reflected", sorted(reflected.tables), ["authors", "books", "cheap_books", "items"])
check(
    "reflected foreign key",
    [fk.target_fullname for fk in reflected.tables["books"].foreign_keys],
    ["authors.id"],
)

# The ORM: insert, query with a join, update, delete, roll back.
with Session(engine) as s:
    ann = Author(id=1, name="Ann")
    s.add_all([ann, Author(id=2, name="Bo")])
    s.add_all(
        [
            Book(id=1, author=ann, title="Trees", price=12.5),
            Book(id=2, author=ann, title="Roots", price=8),
        ]
    )
    s.commit()
with Session(engine) as s:
    titles = s.scalars(
        select(Book.title).join(Book.author).where(Author.name == "Ann").order_by(Book.title)
    ).all()
    check("query", titles, ["Roots", "Trees"])
    book = s.get(Book, 1)
    book.price = 9
    s.commit()
    check(
        "view after update",
        s.execute(text("SELECT title FROM cheap_books ORDER BY id")).scalars().all(),
        ["Trees", "Roots"],
    )
    s.delete(s.get(Book, 2))
    s.add(Book(id=3, author_id=2, title="Leaves"))
    s.rollback()
    check("rolled back", sorted(s.scalars(select(Book.id)).all()), [1, 2])
    check("enum default", s.get(Book, 1).kind, "paper")
    s.get(Book, 2).kind = "ebook"
    s.commit()
    check(
        "enum order",
        s.scalars(select(Book.id).order_by(Book.kind.desc(), Book.id)).all(),
        [2, 1],
    )
print("ok")
