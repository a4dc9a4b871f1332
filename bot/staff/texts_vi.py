"""Every staff-facing string of the console, in Vietnamese (one place per language)."""

from __future__ import annotations

from bot.texts_vi import REPORT_RULES, XLSX_LEVELS

APP = "Bàn làm việc Một cửa"
NAV = {
    "due": "Hồ sơ đến hạn",
    "report": "Báo cáo",
    "handoffs": "Hỏi cán bộ",
    "questions": "Câu hỏi chưa trả lời",
    "accounts": "Tài khoản",
    "audit": "Nhật ký",
}
ROLES = {"viewer": "Xem báo cáo", "officer": "Cán bộ", "admin": "Quản trị"}
ALL_AGENCIES = "Tất cả cơ quan"
ALL_PROCEDURES = "Tất cả thủ tục"
LOGOUT = "Đăng xuất"
SIGNED_IN_AS = "Đăng nhập: {username} ({role})"
AGENCY_SCOPE = "Phạm vi: {agency}"
SKIP_TO_CONTENT = "Chuyển đến nội dung"

# --- login ---------------------------------------------------------------------------------
LOGIN_TITLE = "Đăng nhập"
LOGIN_INTRO = "Dành cho cán bộ Bộ phận Một cửa. Tài khoản do quản trị viên cấp."
USERNAME = "Tên đăng nhập"
PASSWORD = "Mật khẩu"
LOGIN_BUTTON = "Đăng nhập"
LOGIN_WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
LOGIN_THROTTLED = (
    "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau khoảng {minutes} phút, hoặc liên hệ "
    "quản trị viên."
)
LOGIN_EXPIRED = "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."
LOGGED_OUT = "Bạn đã đăng xuất."

# --- errors -------------------------------------------------------------------------------
FORBIDDEN_TITLE = "Không có quyền"
FORBIDDEN = "Tài khoản của bạn không có quyền xem trang này hoặc làm thao tác này."
FORBIDDEN_AGENCY = "Hồ sơ này không thuộc cơ quan của bạn."
NOT_FOUND_TITLE = "Không tìm thấy"
NOT_FOUND = "Không tìm thấy nội dung bạn cần."
CSRF_TITLE = "Yêu cầu không hợp lệ"
CSRF = (
    "Biểu mẫu đã cũ hoặc không được gửi từ trang này. Vui lòng tải lại trang rồi làm lại thao tác."
)
TOO_LARGE = "Nội dung gửi lên quá lớn."
BACK_HOME = "Về trang chính"
# Reasons a use case refuses a request (handlers.staff.audit.Refused.reason).
ERRORS = {
    "reason_missing": "Vui lòng ghi lý do chậm trả kết quả.",
    "reason_too_long": "Lý do quá dài (tối đa 1.000 ký tự).",
    "new_date_not_future": "Ngày hẹn trả mới phải sau hôm nay.",
    "new_date_before_due": "Ngày hẹn trả mới phải sau ngày hẹn cũ.",
    "bad_date": "Ngày hẹn trả mới không hợp lệ (cần dạng ngày/tháng/năm).",
    "clock_stopped": (
        "Hồ sơ đang chờ người dân hoặc tạm dừng: thời hạn không tính nên không có phiếu xin lỗi. "
        "Khi hồ sơ được xử lý tiếp, hạn trả sẽ được tính lại."
    ),
    "no_running_clock": (
        "Hồ sơ chưa được tiếp nhận hoặc đã có kết quả: không có hạn trả để hẹn lại."
    ),
    "apology_not_recorded": "Thông tin này đã được ghi trước đó.",
    "answer_missing": "Vui lòng nhập nội dung trả lời.",
    "answer_too_long": "Nội dung trả lời quá dài (tối đa 3.000 ký tự).",
    "note_missing": "Vui lòng ghi chú khi đóng phiếu.",
    "note_too_long": "Ghi chú quá dài (tối đa 1.000 ký tự).",
    "ticket_closed": "Phiếu đã đóng.",
    "unknown_procedure": "Không có thủ tục với mã này trong dữ liệu.",
    "procedure_missing": "Chọn một thủ tục gợi ý hoặc gõ mã thủ tục.",
    "bad_phrase": "Cụm từ cần từ 3 đến 120 ký tự.",
    "phrase_personal": (
        "Cụm từ còn chứa thông tin cá nhân (số điện thoại, số giấy tờ, mã hồ sơ, họ tên). "
        "Vui lòng bỏ đi."
    ),
    "bad_username": "Tên đăng nhập gồm 3–32 ký tự: chữ thường không dấu, số, dấu chấm, gạch.",
    "bad_role": "Vai trò không hợp lệ.",
    "username_taken": "Tên đăng nhập này đã có.",
    "password_short": "Mật khẩu cần ít nhất 10 ký tự.",
    "password_long": "Mật khẩu quá dài.",
    "password_is_username": "Mật khẩu không được trùng tên đăng nhập.",
    "cannot_disable_self": "Bạn không thể tự khóa tài khoản của mình.",
    "nothing_selected": "Chưa chọn câu hỏi nào.",
}
ERROR_FALLBACK = "Không thực hiện được yêu cầu."
# What a finished action says after the redirect (?done=...).
DONE = {
    "apology": (
        "Đã ghi lý do và ngày hẹn mới. Thông báo sẽ được gửi cho người dân theo dõi hồ sơ "
        "(một lần)."
    ),
    "answered": "Đã gửi trả lời. Tin nhắn sẽ đến người dân qua kênh họ đã dùng.",
    "closed": "Đã đóng phiếu.",
    "linked": "Đã gắn câu hỏi với thủ tục; cụm từ chờ quản trị viên duyệt.",
    "dismissed": "Đã bỏ qua câu hỏi.",
    "approved": "Đã duyệt cụm từ; tìm kiếm sẽ dùng cụm từ này sau lần nạp lại tới.",
    "rejected": "Đã không duyệt cụm từ.",
    "reloaded": "Đã nạp lại tìm kiếm với các cụm từ đã duyệt.",
    "reload_same": "Tìm kiếm đã dùng đủ các cụm từ đã duyệt; không cần nạp lại.",
    "account_added": "Đã tạo tài khoản.",
    "account_disabled": "Đã khóa tài khoản và kết thúc các phiên đăng nhập của tài khoản đó.",
    "account_enabled": "Đã mở lại tài khoản.",
    "password_reset": "Đã đặt mật khẩu mới; các phiên đăng nhập cũ đã kết thúc.",
}

# --- due soon and overdue -----------------------------------------------------------------
DUE_TITLE = "Hồ sơ quá hạn và sắp đến hạn"
DUE_INTRO = (
    "Hồ sơ quá hạn và hồ sơ đến hạn trước {horizon}. Ghi lý do chậm và ngày hẹn mới để người "
    "dân nhận phiếu xin lỗi, nên ghi trước ngày hẹn."
)
FILTER_AGENCY = "Cơ quan"
FILTER_PROCEDURE = "Thủ tục"
FILTER_BUTTON = "Lọc"
FILTER_CLEAR = "Bỏ lọc"
OVERDUE_TITLE = "Quá hạn ({count})"
DUE_SOON_TITLE = "Đến hạn trong 1 ngày làm việc ({count})"
NONE_OVERDUE = "Không có hồ sơ quá hạn."
NONE_DUE_SOON = "Không có hồ sơ sắp đến hạn."
PAGES_LABEL = "Trang"
PAGE_RANGE = "Hồ sơ {first}–{last} trong {total}"
PAGE_PREVIOUS = "← Trang trước"
PAGE_NEXT = "Trang sau →"
RECEIPT_CODE = "Mã hồ sơ"
PROCEDURE = "Thủ tục"
AGENCY = "Cơ quan"
RECEIVED = "Tiếp nhận"
DUE = "Hẹn trả"
NEW_DUE = "Hẹn trả mới"
ORIGINAL_DUE = "Hẹn trả ban đầu"
STATUS = "Trạng thái"
LATE_DAYS = "Trễ {days} ngày làm việc"
LATE_TODAY = "Trễ hẹn hôm nay"
DUE_AT = "Đến hạn {when}"
NEEDS_DETAILS = "Chưa ghi lý do và ngày hẹn mới"
RESCHEDULED = "Trễ hẹn, đã hẹn lại"
HAS_DETAILS = "Đã ghi lý do và ngày hẹn mới"
DETAILS_AHEAD = "Đã ghi lý do và ngày hẹn mới trước hạn"
NEW_DUE_PASSED = "Ngày hẹn mới cũng đã qua: cần hẹn lại"
CLOCK_STOPPED = "Đang chờ người dân hoặc tạm dừng: thời hạn không tính, không quá hạn."
CLOCK_NOT_RUNNING = "Hồ sơ chưa được tiếp nhận hoặc đã có kết quả: không có hạn trả để hẹn lại."
FOLLOWERS = "{count} người nhận thông báo"
NO_FOLLOWERS = (
    "Không ai đăng ký nhận thông báo qua Trợ lý: cần báo người dân bằng cách khác (điện thoại, "
    "phiếu giấy)."
)
OPEN_DOSSIER = "Ghi lý do, xem chi tiết"
UNKNOWN_PROCEDURE = "(chưa rõ thủ tục)"
NO_AGENCY = "(chưa rõ cơ quan)"

# --- one dossier --------------------------------------------------------------------------
DOSSIER_TITLE = "Hồ sơ {code}"
APPLICANT = "Người nộp"
PHONE = "Điện thoại"
APOLOGY_REASON = "Lý do chậm"
APOLOGY_FORM_TITLE = "Ghi lý do chậm và ngày hẹn trả mới"
APOLOGY_FORM_HINT = (
    "Nội dung được gửi nguyên văn cho người dân trong phiếu xin lỗi và hẹn lại ngày trả kết "
    "quả. Viết ngắn gọn, lịch sự."
)
REASON_LABEL = "Lý do chậm trả kết quả"
NEW_DUE_LABEL = "Ngày hẹn trả mới"
APOLOGY_BUTTON = "Ghi và gửi thông báo"
HISTORY_TITLE = "Diễn biến hồ sơ"
SENT_TITLE = "Đã gửi cho người dân"
SENT_NONE = "Chưa gửi thông báo nào về hồ sơ này."
SENT_LINE = "{rule} qua {channel}: {status}"
LETTER = "Phiếu xin lỗi và hẹn lại ngày trả kết quả"
RULES = {**REPORT_RULES, "handoff_reply": "Trả lời phiếu hỏi cán bộ"}
SENT_STATUSES = {
    "pending": "chờ gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "gửi không được",
    "cancelled": "đã hủy",
}
AUDIT_TITLE = "Ai đã thay đổi gì"
AUDIT_NONE = "Chưa có thay đổi nào từ bàn làm việc."
BACK_TO_LIST = "← Danh sách hồ sơ đến hạn"

# --- report -------------------------------------------------------------------------------
REPORT_TITLE = "Báo cáo"
REPORT_PERIOD = "Kỳ báo cáo"
REPORT_MONTH = "Tháng"
REPORT_FROM = "Từ ngày"
REPORT_TO = "Đến ngày"
REPORT_SHOW = "Xem"
REPORT_HEADING = "Từ {start} đến {end}"
REPORT_XLSX = "Tải bảng tính (.xlsx)"
REPORT_BAD_PERIOD = "Khoảng thời gian không hợp lệ; đang hiện tháng này."
REPORT_NOTE = (
    "Số liệu theo ngày giờ Việt Nam, tính cả ngày đầu và ngày cuối. Hạn giải quyết tính theo "
    "ngày làm việc; thời gian chờ người dân bổ sung, nộp nghĩa vụ tài chính hoặc tạm dừng không "
    "tính. Hồ sơ đã hẹn lại vẫn tính là quá hạn."
)
REPORT_ITEM = "Chỉ tiêu"
REPORT_VALUE = "Số liệu"
REPORT_AGENCY = "Cơ quan"
REPORT_ALL_AGENCIES = "Tất cả cơ quan"
REPORT_SCOPE = "Số liệu của {agency}"
REPORT_ONE_STOP = "Kết quả giải quyết hồ sơ (mẫu báo cáo Một cửa)"
REPORT_BY_AGENCY = "Theo cơ quan"
REPORT_BY_AGENCY_HINT = "Chọn tên cơ quan để xem riêng số liệu của cơ quan đó."
REPORT_AGENCY_COLUMNS = ("Cơ quan", "Nhận", "Đã giải quyết", "Tỷ lệ đúng hạn", "Đang quá hạn")
REPORT_NO_AGENCY = "(chưa ghi cơ quan)"
REPORT_NO_DOSSIERS = "Không có hồ sơ nào trong kỳ này."
REPORT_CHART = "Tỷ lệ giải quyết đúng hạn theo tháng"
REPORT_CHART_HINT = (
    "Hồ sơ đã có kết quả hoặc bị từ chối trong tháng; đúng hạn là không muộn hơn hạn giải "
    "quyết (ngày hẹn lại không tính)."
)
REPORT_CHART_TABLE = "Xem số liệu của biểu đồ"
REPORT_CHART_COLUMNS = ("Tháng", "Đã giải quyết", "Đúng hạn", "Tỷ lệ")
CHART_BAR = "Tháng {month}: {resolved} hồ sơ đã giải quyết, {on_time} đúng hạn ({share} %)"
CHART_NONE = "Tháng {month}: chưa có hồ sơ nào được giải quyết"
CHART_SUMMARY = "Tỷ lệ đúng hạn {months} tháng gần nhất: {share} %"
REPORT_SATISFACTION = "Mức độ hài lòng của người dân"
REPORT_SATISFACTION_COLUMNS = ("Mức", "Số lượt", "Tỷ lệ")
REPORT_TOTAL = "Tổng cộng"
RATING_LEVELS = XLSX_LEVELS
REPORT_ACTIVITY = "Hoạt động của Trợ lý"
REPORT_COMPUTED_AT = "Số liệu tính lúc {at} (tính lại sau vài phút)."
REPORT_RECOMPUTE = "Tính lại ngay"

# --- hand-off -----------------------------------------------------------------------------
HANDOFFS_TITLE = "Người dân cần hỏi cán bộ"
HANDOFFS_INTRO = (
    "Phiếu người dân gửi qua Trợ lý. Trả lời được gửi về đúng kênh người dân đã dùng "
    "(Telegram, Zalo, trang hỏi đáp)."
)
HANDOFFS_OPEN = "Đang mở ({count})"
HANDOFFS_CLOSED = "Đã đóng"
HANDOFFS_SHOW_CLOSED = "Xem phiếu đã đóng"
HANDOFFS_SHOW_OPEN = "Xem phiếu đang mở"
HANDOFFS_NONE = "Không có phiếu nào."
TICKET_STATES = {"open": "Chờ trả lời", "answered": "Đã trả lời", "closed": "Đã đóng"}
CHANNELS = {"telegram": "Telegram", "zalo": "Zalo", "web": "Trang hỏi đáp", "cli": "Dòng lệnh"}
TICKET_LINE = "{channel} · {count} tin nhắn · gửi lúc {created}"
TICKET_WAITING = "Người dân nhắn lần cuối lúc {at}"
TICKET_NO_TEXT = "(chưa có nội dung)"
TICKET_TITLE = "Phiếu {code}"
TICKET_PRIVATE = (
    "Nội dung dưới đây giữ nguyên như người dân đã gõ, có thể có thông tin cá nhân. Chỉ dùng để "
    "trả lời phiếu này."
)
AUTHORS = {"citizen": "Người dân", "assistant": "Trợ lý", "officer": "Cán bộ {staff}"}
DELIVERY = "Gửi đi: {status}"
DELIVERY_AT = "Đã đến kênh của người dân lúc {at}"
REPLY_LABEL = "Trả lời người dân"
REPLY_HINT = "Tin nhắn được gửi nguyên văn, kèm mã phiếu. Không cần chào hỏi dài."
REPLY_BUTTON = "Gửi trả lời"
CLOSE_LABEL = "Ghi chú khi đóng phiếu (chỉ cán bộ xem)"
CLOSE_BUTTON = "Đóng phiếu"
CLOSED_BY = "Đóng lúc {at} bởi {staff}: {note}"
BACK_TO_TICKETS = "← Danh sách phiếu"

# --- unanswered questions -----------------------------------------------------------------
QUESTIONS_TITLE = "Câu hỏi Trợ lý chưa trả lời được"
QUESTIONS_INTRO = (
    "Câu hỏi người dân hỏi mà Trợ lý không tìm được thủ tục, hoặc phải hỏi lại để chọn. "
    "Số điện thoại, số giấy tờ, mã hồ sơ và họ tên đã được xóa trước khi lưu. Gắn câu hỏi với "
    "đúng thủ tục để Trợ lý học cụm từ (cần quản trị viên duyệt)."
)
QUESTIONS_NONE = "Không có câu hỏi mới."
QUESTION_ASKED = "Hỏi {count} lần · lần cuối {at}"
QUESTION_KINDS = {"abstain": "không tìm thấy", "choice": "phải chọn thủ tục"}
QUESTION_SIMILAR = "Câu hỏi tương tự:"
LINK_CODE = "Mã thủ tục (ví dụ 1.001193)"
LINK_CODE_OTHER = "Hoặc gõ mã thủ tục khác (ví dụ 1.001193)"
LINK_SUGGESTED = "Thủ tục gần nhất Trợ lý tìm được (chỉ chọn nếu đúng)"
SUGGESTION_OFFERED = "Trợ lý đã đưa ra"
LINK_PHRASE = "Cụm từ Trợ lý cần hiểu"
LINK_BUTTON = "Gắn với thủ tục"
DISMISS_BUTTON = "Bỏ qua"
PHRASES_PROPOSED = "Cụm từ chờ duyệt"
PHRASES_APPROVED = "Cụm từ đã duyệt"
PHRASES_NONE = "Không có."
PHRASE_LINE = "“{text}” → {code} {name}"
PHRASE_BY = "Đề xuất bởi {staff} lúc {at}"
PHRASE_IN_USE = "đang dùng"
PHRASE_NOT_LOADED = "chờ nạp lại"
APPROVE_BUTTON = "Duyệt"
REJECT_BUTTON = "Không duyệt"
WITHDRAW_BUTTON = "Thôi dùng"
RELOAD_BUTTON = "Nạp lại tìm kiếm ngay"

# --- accounts and audit -------------------------------------------------------------------
ACCOUNTS_TITLE = "Tài khoản cán bộ"
ACCOUNT_ACTIVE = "Đang dùng"
ACCOUNT_DISABLED = "Đã khóa"
ACCOUNT_ALL_AGENCIES = "mọi cơ quan"
ACCOUNT_ADD = "Thêm tài khoản"
ROLE = "Vai trò"
AGENCY_OPTIONAL = "Cơ quan (để trống: mọi cơ quan)"
NEW_PASSWORD = "Mật khẩu mới (ít nhất 10 ký tự)"
NEW_PASSWORD_SHORT = "Mật khẩu mới"
ADD_BUTTON = "Tạo tài khoản"
DISABLE_BUTTON = "Khóa"
ENABLE_BUTTON = "Mở lại"
RESET_BUTTON = "Đặt mật khẩu mới"
AUDIT_PAGE_TITLE = "Nhật ký thay đổi"
AUDIT_WHO = "Người làm"
AUDIT_WHEN = "Lúc"
AUDIT_WHAT = "Việc"
AUDIT_TARGET = "Đối tượng"
AUDIT_BEFORE = "Trước"
AUDIT_AFTER = "Sau"
AUDIT_ACTIONS = {
    "account_added": "Tạo tài khoản",
    "account_disabled": "Khóa tài khoản",
    "account_enabled": "Mở lại tài khoản",
    "password_reset": "Đặt mật khẩu mới",
    "login": "Đăng nhập",
    "login_failed": "Đăng nhập sai",
    "logout": "Đăng xuất",
    "apology_recorded": "Ghi lý do chậm, ngày hẹn mới",
    "handoff_answered": "Trả lời phiếu",
    "handoff_closed": "Đóng phiếu",
    "question_linked": "Gắn câu hỏi với thủ tục",
    "question_dismissed": "Bỏ qua câu hỏi",
    "phrase_approved": "Duyệt cụm từ",
    "phrase_rejected": "Không duyệt cụm từ",
}
AUDIT_FIELDS = {
    "apology_reason": "lý do",
    "new_due_at": "hẹn trả mới",
    "status": "trạng thái",
    "answer": "trả lời",
    "note": "ghi chú",
    "role": "vai trò",
    "agency": "cơ quan",
    "active": "đang dùng",
    "procedure_code": "mã thủ tục",
    "text": "cụm từ",
    "questions": "câu hỏi",
    "sessions_ended": "phiên đã kết thúc",
}
# Stored values shown in the audit trail.
STATUS_WORDS = {
    "proposed": "chờ duyệt",
    "approved": "đã duyệt",
    "rejected": "không duyệt",
    "dismissed": "bỏ qua",
    "open": "chờ trả lời",
    "answered": "đã trả lời",
    "closed": "đã đóng",
}
CLI_ACTOR = "(dòng lệnh)"
EMPTY = "—"
YES = "có"
NO = "không"

# --- command line -------------------------------------------------------------------------
CLI_PASSWORD_PROMPT = "Mật khẩu: "
CLI_PASSWORD_AGAIN = "Nhập lại mật khẩu: "
CLI_PASSWORD_MISMATCH = "Hai lần nhập mật khẩu không khớp."
CLI_NO_PASSWORD = "Cần mật khẩu: dùng --password-stdin (một dòng từ đầu vào chuẩn)."
CLI_ADDED = "Đã tạo tài khoản {username} ({role}{agency})."
CLI_AGENCY = ", cơ quan: {agency}"
CLI_AGENCY_UNKNOWN = (
    "Lưu ý: chưa có hồ sơ nào của cơ quan “{agency}”; hãy kiểm tra tên cơ quan đúng như trong "
    "dữ liệu hồ sơ."
)
CLI_DISABLED = "Đã khóa tài khoản {username}."
CLI_ENABLED = "Đã mở lại tài khoản {username}."
CLI_RESET = "Đã đặt mật khẩu mới cho {username}; các phiên đăng nhập cũ đã kết thúc."
CLI_NOT_FOUND = "Không có tài khoản {username}."
CLI_NONE = (
    "Chưa có tài khoản nào. Tạo tài khoản: motcua staff add TÊN --role admin --password-stdin"
)
CLI_LINE = "{username:<20} {role:<8} {state:<9} {agency}"
CLI_PURGED = (
    "Đã xóa: {web_inbox} tin trong hộp thư trang hỏi đáp, {transcript_lines} dòng hội thoại "
    "của phiếu đã đóng, {replies} bản ghi gửi trả lời."
)
TRANSCRIPT_PURGED = "Nội dung hội thoại đã được xóa khi hết thời hạn lưu giữ."
