      *================================================================*
      * CUSTBAL - NIGHTLY CUSTOMER BALANCE EXTRACT (CUSTMAST)           *
      * RECFM=FB LRECL=150, CODE PAGE 037. DETAIL RECORDS, THEN ONE     *
      * TRAILER RECORD WITH THE RECORD COUNT AND THE BALANCE TOTAL.     *
      *================================================================*
       01  CUSTBAL-DETAIL.
           05  CB-REC-TYPE             PIC X.
               88  CB-DETAIL           VALUE 'D'.
           05  CB-CUST-NO              PIC 9(8).
           05  CB-NAME                 PIC X(30).
           05  CB-COUNTRY              PIC X(2).
           05  CB-BALANCE              PIC S9(9)V99 COMP-3.
           05  CB-CREDIT-LIMIT         PIC 9(9)V99  COMP-3.
           05  CB-DAYS-OVERDUE         PIC S9(4)    COMP.
           05  CB-LAST-PAYMENT         PIC 9(8).
           05  CB-STATUS               PIC X.
               88  CB-ACTIVE           VALUE 'A'.
               88  CB-BLOCKED          VALUE 'B'.
           05  FILLER                  PIC X(4).
           05  CB-MONTH OCCURS 12 TIMES.
               10  CB-MONTH-NET        PIC S9(7)V99 COMP-3.
           05  FILLER                  PIC X(22).
       01  CUSTBAL-TRAILER.
           05  TR-REC-TYPE             PIC X.
           05  TR-RUN-DATE             PIC 9(8).
           05  TR-RECORD-COUNT         PIC 9(9).
           05  TR-BALANCE-TOTAL        PIC S9(13)V99.
           05  FILLER                  PIC X(117).
