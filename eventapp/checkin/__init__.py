"""At the door: the check-in page for volunteers' phones, its JSON endpoints, walk-ins
and single-badge printing. Attendance and certificates live with the organisers' pages
(manage/attendance.py, manage/certificates.py)."""
