/**
 * `splitSqlStatements`: a migration file is cut on `;` only where a statement really ends — not
 * inside quotes, comments or the BEGIN … END body of a trigger — and the pieces run on a real
 * local D1 with the meaning they had in the file.
 */
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { d1Executor, splitSqlStatements } from "../../scripts/lib/migrations";

/** Whitespace-normalised, since comments are replaced by blanks. */
const split = (sql: string) => splitSqlStatements(sql).map((s) => s.replace(/\s+/g, " "));

describe("splitSqlStatements", () => {
  it.each([
    [
      "plain statements, last without ;",
      "CREATE TABLE a (x);\nCREATE TABLE b (y)",
      ["CREATE TABLE a (x)", "CREATE TABLE b (y)"],
    ],
    [
      "; inside single quotes, with '' escapes",
      "INSERT INTO a VALUES ('x;y', 'it''s; ok');",
      ["INSERT INTO a VALUES ('x;y', 'it''s; ok')"],
    ],
    [
      "; inside quoted identifiers",
      'CREATE TABLE "we;ird" ([a;b] TEXT, `c;d` TEXT);SELECT 1;',
      ['CREATE TABLE "we;ird" ([a;b] TEXT, `c;d` TEXT)', "SELECT 1"],
    ],
    [
      "; inside comments",
      "-- first; not a statement\nSELECT 1; /* a; b; */ SELECT 2; -- trailing; comment",
      ["SELECT 1", "SELECT 2"],
    ],
    [
      "comment markers inside quotes",
      "INSERT INTO a VALUES ('-- no', '/* no */');",
      ["INSERT INTO a VALUES ('-- no', '/* no */')"],
    ],
    ["a comment-only file", "-- nothing here;\n/* nor; here */\n", []],
    [
      "a trigger body",
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET n = n + 1;\n  DELETE FROM c;\nEND;\nSELECT 1;",
      ["CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET n = n + 1; DELETE FROM c; END", "SELECT 1"],
    ],
    [
      "a temp trigger with IF NOT EXISTS",
      "create temp trigger if not exists t after delete on a begin insert into log values ('x;'); end;",
      ["create temp trigger if not exists t after delete on a begin insert into log values ('x;'); end"],
    ],
    [
      "a trigger whose body holds CASE … END",
      "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET kind = CASE WHEN new.x > 0 THEN 'pos' ELSE 'neg' END;\n  UPDATE c SET n = n + 1;\nEND;\nSELECT 2;",
      [
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE b SET kind = CASE WHEN new.x > 0 THEN 'pos' ELSE 'neg' END; UPDATE c SET n = n + 1; END",
        "SELECT 2",
      ],
    ],
  ])("splits %s", (_what, sql, expected) => {
    expect(split(sql)).toEqual(expected);
  });
});

describe("split statements on a real local D1", () => {
  let mf: Miniflare;
  beforeAll(() => {
    mf = new Miniflare({ modules: true, script: "export default {}", d1Databases: ["DB"] });
  });
  afterAll(async () => {
    await mf.dispose();
  });

  it("keeps the meaning of quotes and triggers when the pieces run in one transaction", async () => {
    const db = d1Executor(await mf.getD1Database("DB"));
    const sql = `
      CREATE TABLE events (id INTEGER PRIMARY KEY, status INTEGER NOT NULL); -- detail
      CREATE TABLE classes (kind TEXT PRIMARY KEY, n INTEGER NOT NULL);
      /* a trigger; its body has statements; and a CASE … END */
      CREATE TRIGGER count_class AFTER INSERT ON events BEGIN
        INSERT INTO classes (kind, n)
          VALUES (CASE WHEN new.status >= 500 THEN 'error;5xx' ELSE 'ok' END, 0)
          ON CONFLICT (kind) DO NOTHING;
        UPDATE classes SET n = n + 1
          WHERE kind = CASE WHEN new.status >= 500 THEN 'error;5xx' ELSE 'ok' END;
      END;
      INSERT INTO events (status) VALUES (200), (503), (201);`;
    await db.transaction(splitSqlStatements(sql).map((statement) => ({ sql: statement })));
    expect(await db.all("SELECT kind, n FROM classes ORDER BY kind")).toEqual([
      { kind: "error;5xx", n: 1 },
      { kind: "ok", n: 2 },
    ]);
  });
});
