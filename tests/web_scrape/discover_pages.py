"""Static pages for the discovery tests: a 2005-style search form and its results, a login form."""

from __future__ import annotations

BASE = "http://app.test/desk/"

SEARCH = """<html><head><title>Desk 2005 - Search</title></head><body>
<form name="searchform" method="post" action="results.php">
<input type="hidden" name="csrf_token" value="abc123">
<table>
<tr><td><font size="2">Account no.:</font></td>
    <td><input type="text" name="account" maxlength="20"> <font size="1">e.g. ACC/N-10007</font></td></tr>
<tr><td>Status:</td><td><select name="status"><option value="" selected>-- All --</option>
    <option value="O">Open</option><option value="W">Waiting on customer</option></select></td></tr>
<tr><td>Opened from:</td><td><input type="text" name="from" maxlength="10"> (DD/MM/YYYY)</td></tr>
<tr><td>&nbsp;</td><td><input type="submit" name="submit" value="Search"></td></tr>
</table></form></body></html>"""

RESULTS = """<html><head><title>Desk 2005 - Search results</title></head><body>
<table width="100%"><tr><td><b>Search results</b></td></tr><tr><td>
<table border="1">
<tr><th>Ticket No.</th><th>Opened</th><th>Account</th><th>Subject</th><th>Pri</th><th>Closed</th></tr>
<tr><td><a href="ticket.php?id=HD-1">HD-1</a></td><td>27/12/2005</td><td>ACC/E-10007</td>
    <td>Lieferung &amp; Rechnung</td><td>2</td><td></td></tr>
<tr><td><a href="ticket.php?id=HD-2">HD-2</a></td><td>03/01/2005</td><td>ACC/N-10812</td>
    <td>"Quoted" subject</td><td>4</td><td>07</td></tr>
<tr><td colspan="6">2 tickets</td></tr>
</table></td></tr>
<tr><td><a href="results.php?page=0">&lt;&lt; Previous</a> Page 1 of 3
    <a href="results.php?account=&amp;page=2">Next &gt;&gt;</a></td></tr>
</table></body></html>"""

LOGIN = """<html><head><title>Desk 2005 - Login</title></head><body>
<form name="loginform" method="post" action="/desk/login.php">
<input type="hidden" name="csrf_token" value="abc123">
<table><tr><td>Username:</td><td><input type="text" name="username"></td></tr>
<tr><td>Password:</td><td><input type="password" name="password"></td></tr>
<tr><td></td><td><input type="submit" name="submit" value="Log in"></td></tr></table>
</form></body></html>"""

LABELLED = """<html><body><form id="f" method="get" action="/find">
<label for="q">Customer name</label><input id="q" name="q" required>
<label>Country <select name="cc"><option value="de">Germany</option><option value="fr" selected>France</option>
</select></label>
<input name="since" type="date" aria-label="Changed since">
<input type="checkbox" name="closed" aria-labelledby="cl"><span id="cl">Include closed</span>
<input type="file" name="upload"><button type="submit">Find</button>
</form>
<form method="post" action="/delete"><input name="id"><input type="submit" value="Delete"></form>
</body></html>"""

TICKET = """<html><head><title>Desk 2005 - Ticket HD-1</title></head><body>
<table><tr><td><b>Ticket No.:</b></td><td>HD-1</td></tr>
<tr><td><b>Assigned to:</b></td><td>agent3</td></tr><tr><td><b>Closed:</b></td><td>&nbsp;</td></tr></table>
<table border="1"><tr><th>Date</th><th>By</th><th>Note</th></tr>
<tr><td>28/12/2005 09:14</td><td>agent3</td><td>called back</td></tr></table>
</body></html>"""
