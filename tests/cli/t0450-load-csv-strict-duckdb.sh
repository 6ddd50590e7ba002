#!/usr/bin/env bash
# t0450: `ingot load` never changes a value and never lets one bad quote
# swallow a file (issue 11 §3): an unclosed quote is one reject and the
# lines after it load (bounds max_quoted_lines / max_quoted_bytes);
# 1e-400, NUMERIC values with too many decimals or integer digits, and
# VARCHAR(n) values longer than n characters are rejects with a reason.
. ./lib.sh
mkdir -p p/models p/lake
cd p
cat > dbt_project.yml <<'EOP'
name: strict
version: "1.0"
profile: strict
model-paths: ["models"]
EOP
cat > profiles.yml <<EOP
strict:
  target: dev
  outputs:
    dev: {type: duckdb, path: "$T/p/warehouse.duckdb", threads: 2}
EOP
cat > models/sources.yml <<'EOP'
version: 2
sources:
  - name: raw
    schema: bronze
    tables:
      - name: quotes
        external: {location: "quotes.csv", options: {max_bad_records: 100}}
        columns: [{name: id, data_type: INT64}, {name: v, data_type: STRING}]
      - name: tight
        external:
          location: "tight.csv"
          options: {max_bad_records: 100, max_quoted_lines: 2, max_quoted_bytes: 10}
        columns: [{name: id, data_type: INT64}, {name: v, data_type: STRING}]
      - name: nums
        external: {location: "nums.csv", options: {max_bad_records: 100}}
        columns: [{name: id, data_type: INT64}, {name: x, data_type: FLOAT64},
                  {name: amt, data_type: "NUMERIC(6,2)"}]
      - name: codes
        external: {location: "codes.csv", options: {max_bad_records: 100}}
        columns: [{name: id, data_type: INT64}, {name: code, data_type: "VARCHAR(3)"},
                  {name: name, data_type: "STRING(4)"}]
EOP
# 300 rows; row 2 opens a quote that is never closed
{
  printf 'id,v\n1,fine\n2,"never closed\n'
  i=3; while [ $i -le 300 ]; do printf '%d,row\n' $i; i=$((i + 1)); done
} > lake/quotes.csv
printf 'id,v\n1,"two\nlines"\n2,"a\nb\nc"\n3,"0123456789"\n4,"0123456789X"\n5,ok\n' > lake/tight.csv
printf 'id,x,amt\n1,1e-300,1234.50\n2,1e-400,1\n3,-1e-400,1\n4,0e-400,1\n5,1,1.005\n6,1,12345\n7,1,-0.10\n' > lake/nums.csv
printf 'id,code,name\n1,abc,\303\251t\303\251s\n2,abcd,x\n3,\303\251\303\251\303\251,x\n4,ab,\303\251t\303\251s!\n' > lake/codes.csv

run "$INGOT" load
expect_rc 0

rejects() { # TABLE -> "line|column|reason" per reject (CSV quotes removed)
  q "select line || '|' || coalesce(column_name, '') || '|' || reason from _ingot.load_rejects where table_name = '$1' order by line" | sed 's/^"//; s/"$//'
}

# 1. one reject for the unclosed quote, all 299 other rows loaded
expect_eq "$(q1 "select rows_read || ' ' || rows_loaded || ' ' || rows_rejected from _ingot.loads where table_name = 'quotes'")" "300 299 1" "quotes counts"
expect_eq "$(rejects quotes)" "3||quoted field spans more than 100 lines (max_quoted_lines; an unclosed quote?)" "unclosed quote reject"
expect_eq "$(q1 "select count(*) from bronze.quotes where v = 'row'")" "298" "rows after the quote"
expect_eq "$(q1 "select max(id) from bronze.quotes")" "300" "last row loaded"

# the configured bounds: 2 lines and 10 bytes pass, 3 lines or 11 bytes do not
expect_eq "$(q "select id from bronze.tight order by id" | tr '\n' ' ')" "1 3 5 " "tight rows"
expect_eq "$(rejects tight | cut -d'|' -f1,3 | tr '\n' ' ')" "4|quoted field spans more than 2 lines (max_quoted_lines; an unclosed quote?) 5|expected 2 fields but found 1 6|stray quote in an unquoted field 8|quoted field longer than 10 bytes (max_quoted_bytes; an unclosed quote?) " "tight rejects"

# 2. no silent rounding
expect_eq "$(q "select id, amt from bronze.nums order by id" | tr '\n' ' ')" "1,1234.50 4,1.00 7,-0.10 " "nums rows"
expect_eq "$(rejects nums)" "3|x|column 'x': '1e-400' is too small for FLOAT64 (it would become 0)
4|x|column 'x': '-1e-400' is too small for FLOAT64 (it would become 0)
6|amt|column 'amt': '1.005' has more than 2 decimals for NUMERIC(6,2) (it would be rounded)
7|amt|column 'amt': '12345' has more than 4 digits before the point for NUMERIC(6,2)" "nums rejects"
expect_eq "$(q1 "select x from bronze.nums where id = 4")" "0.0" "a true zero loads"

# 3. VARCHAR(n) / STRING(n) lengths, in characters
expect_eq "$(q "select id from bronze.codes order by id" | tr '\n' ' ')" "1 3 " "codes rows"
expect_eq "$(rejects codes)" "3|code|column 'code': 'abcd' has 4 characters, more than the 3 of VARCHAR(3)
5|name|column 'name': 'étés!' has 5 characters, more than the 4 of VARCHAR(4)" "codes rejects"
expect_eq "$(q1 "select name from bronze.codes where id = 1")" "étés" "4 characters in 6 bytes fit"

# the bounds are validated
sed -i 's/max_quoted_lines: 2/max_quoted_lines: -1/' models/sources.yml
run "$INGOT" load
expect_rc 2
expect_err "sources.yml:"
expect_err "max_quoted_lines must be between"
