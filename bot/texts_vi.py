"""Citizen-facing strings that only the channels need (the core keeps its own in handlers/)."""

from __future__ import annotations

# --- every channel ---------------------------------------------------------------------------
TOO_LONG = (
    "Tin nhắn của ông/bà dài quá, tôi chưa đọc được. Ông/Bà vui lòng viết ngắn gọn câu hỏi "
    "(dưới {limit} ký tự), ví dụ: \u201clàm giấy khai sinh cần gì\u201d."
)
UNSUPPORTED = (
    "Tôi chỉ đọc được tin nhắn chữ và ảnh chụp mã QR trên phiếu hẹn. Ông/Bà vui lòng gõ câu "
    "hỏi, nhập mã hồ sơ, hoặc gửi ảnh mã QR."
)
IMAGE_TOO_BIG = (
    "Ảnh ông/bà gửi lớn quá (tối đa {limit_mb} MB). Ông/Bà vui lòng chụp lại phần mã QR trên "
    "phiếu hẹn rồi gửi lại, hoặc gõ mã hồ sơ."
)
IMAGE_UNREADABLE = (
    "Tôi chưa tải được ảnh ông/bà gửi. Ông/Bà vui lòng gửi lại ảnh, hoặc gõ mã hồ sơ trên "
    "phiếu hẹn."
)
BUTTON_EXPIRED = "Nút này đã cũ. Ông/Bà vui lòng gõ lại câu hỏi."
NUMBERED_HINT = "Ông/Bà gõ số thứ tự để chọn."
# ``motcua ask``: every question is a conversation of its own, so nothing is chosen by digit.
ASK_BY_CODE = "hỏi tiếp: motcua ask {code}"
ASK_ASPECTS = "(Có thể hỏi thêm: {labels})"
ASK_ONE_SHOT = (
    "(Mỗi câu hỏi của “motcua ask” là một cuộc trò chuyện mới: để xem một thủ tục ở trên, hỏi "
    "lại bằng mã của nó; để bấm chọn, dùng “motcua chat”.)"
)

# --- Telegram ---------------------------------------------------------------------------------
COMMANDS = {
    "start": "Bắt đầu trò chuyện với Trợ lý Một cửa",
    "hoso": "Các hồ sơ ông/bà đang theo dõi",
    "help": "Hướng dẫn hỏi thủ tục và tra cứu hồ sơ",
}

# --- web chat ---------------------------------------------------------------------------------
WEB_BAD_REQUEST = "Yêu cầu không hợp lệ. Ông/Bà vui lòng tải lại trang."
WEB_BUSY = "Ông/Bà gửi nhanh quá. Xin vui lòng chờ một chút rồi gửi lại."
WEB_OVERLOADED = (
    "Hệ thống đang có nhiều người dùng cùng lúc. Ông/Bà vui lòng gửi lại sau vài giây."
)

# --- terminal chat ----------------------------------------------------------------------------
CLI_WELCOME = "Trợ lý Một cửa. Gõ câu hỏi rồi nhấn Enter; gõ số để chọn; Ctrl-D để thoát."
CLI_PROMPT = "Ông/Bà: "

# Strings of the web chat page (filled into bot/web/static/index.html, read by app.js).
WEB_PAGE = {
    "title": "Trợ lý Một cửa",
    "subtitle": "Hỏi thủ tục hành chính, tra cứu hồ sơ",
    "log_label": "Hội thoại với Trợ lý Một cửa",
    "input_label": "Câu hỏi của ông/bà",
    "placeholder": "Ví dụ: làm giấy khai sinh cần gì",
    "send": "Gửi",
    "photo": "Gửi ảnh mã QR",
    "photo_hint": "Ảnh chụp mã QR trên phiếu hẹn",
    "you": "Ông/Bà",
    "bot": "Trợ lý",
    "sending": "Trợ lý đang trả lời…",
    "offline": "Chưa gửi được. Ông/Bà kiểm tra kết nối mạng rồi thử lại.",
    "photo_sent": "[Ảnh mã QR]",
    "no_script": "Trang này cần bật JavaScript để trò chuyện với Trợ lý Một cửa.",
    "footer": "Thông tin lấy từ Cơ sở dữ liệu quốc gia về thủ tục hành chính.",
}
# `motcua dossiers import`: a file refused before any row is stored (for staff).
IMPORT_ENCODING = {
    "mixed": (
        "Không nhập tệp {path}: tệp là UTF-8 đến dòng {line} rồi đổi sang bảng mã khác (có lẽ "
        "hai tệp xuất ghép lại). Chưa nhập dòng nào. Hãy xuất lại toàn bộ tệp bằng UTF-8."
    ),
    "not_text": (
        "Không nhập tệp {path}: từ dòng {line} không đọc được bằng UTF-8 hay Windows-1258. "
        "Chưa nhập dòng nào. Hãy xuất lại tệp bằng UTF-8."
    ),
}
CLI_EMPTY_QUESTION = 'Ông/Bà chưa nhập câu hỏi, ví dụ: motcua ask "làm giấy khai sinh cần gì".'
REPORT_BAD_PERIOD = "Ngày cuối (--to) phải sau hoặc bằng ngày đầu (--from)."
REPORT_UNAVAILABLE = (
    "Bản này chưa có phần truy vấn số liệu (storage/report_repo.py), nên chưa lập được báo cáo."
)
REPORT_TITLE = (
    "BÁO CÁO HOẠT ĐỘNG TRỢ LÝ MỘT CỬA: từ {start} đến {end} (giờ Việt Nam, tính cả hai ngày)"
)
REPORT_NONE = "—"
REPORT_RATING_VALUE = "Mức {value}"
# Labels of the report's keys (the --json output keeps the English keys).
REPORT_LABELS = {
    "questions": "Câu hỏi về thủ tục",
    "asked": "Số câu hỏi",
    "answered": "Trả lời bằng một thủ tục",
    "abstained": "Không có thủ tục phù hợp (chỉ dẫn sang Cổng DVC)",
    "choices_offered": "Đưa ra vài thủ tục để người dân chọn",
    "procedures_opened": "Lượt mở thủ tục qua nút bấm, lựa chọn, đường link",
    "lookups": "Tra cứu hồ sơ",
    "typed_codes": "Lượt gửi mã hồ sơ",
    "found": "Tìm thấy",
    "unknown": "Không có mã này",
    "malformed": "Mã sai định dạng",
    "rate_limited": "Bị tạm chặn vì tra cứu quá nhiều",
    "links": "Mở bằng đường link trên phiếu hẹn",
    "qr_photos": "Gửi ảnh mã QR",
    "subscriptions": "Đăng ký nhận thông báo",
    "started": "Đăng ký mới",
    "ended": "Đã dừng",
    "dossiers": "Hồ sơ",
    "received": "Tiếp nhận trong kỳ",
    "by_status": "Theo trạng thái hiện nay",
    "overdue_now": "Đang quá hạn (tại thời điểm lập báo cáo)",
    "returned": "Đã trả kết quả trong kỳ",
    "returned_on_time": "Trả đúng hạn",
    "returned_late": "Trả quá hạn",
    "notifications": "Thông báo gửi người dân",
    "sent": "Đã gửi",
    "failed": "Gửi không được",
    "by_rule": "Theo loại thông báo và kênh",
    "ratings": "Đánh giá mức độ hài lòng",
    "count": "Số lượt",
    "average": "Điểm trung bình",
    "by_value": "Theo mức",
    # the one-stop results table (DESIGN.md "one_stop")
    "one_stop": "Kết quả giải quyết thủ tục hành chính",
    "received_total": "Số hồ sơ nhận giải quyết",
    "received_new_online": "Mới tiếp nhận trực tuyến",
    "received_new_direct": "Mới tiếp nhận trực tiếp",
    "received_new_postal": "Mới tiếp nhận qua bưu chính",
    "carried_over": "Kỳ trước chuyển qua",
    "resolved_total": "Số hồ sơ đã giải quyết",
    "resolved_on_time": "Trả đúng hạn",
    "resolved_late": "Trả quá hạn",
    "resolved_on_time_pct": "Tỷ lệ đúng hạn (%)",
    "in_progress_total": "Số hồ sơ đang giải quyết",
    "in_progress_within_deadline": "Trong hạn",
    "in_progress_past_deadline": "Quá hạn",
    "waiting_on_citizen": "Chờ người dân bổ sung, nộp nghĩa vụ tài chính",
    "apologies_owed": "Hồ sơ trễ hẹn phải xin lỗi",
    "apologies_with_reason": "Đã ghi lý do trễ hẹn",
    "satisfaction": "Mức độ hài lòng",
    "total": "Tổng số",
    "by_level": "Theo mức",
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "unsatisfied": "Không hài lòng",
    "pct": "Tỷ lệ (%)",
}
REPORT_AGENCY = "Cơ quan: {agency}"
REPORT_XLSX_WRITTEN = "Đã ghi bảng kết quả vào {path}"

# --- the .xlsx of the one-stop results table (bot/report_xlsx.py) -------------------------------
XLSX_SHEET = "Kết quả giải quyết TTHC"
XLSX_TITLE = "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
XLSX_PERIOD = "Kỳ báo cáo: từ ngày {start} đến ngày {end}"
XLSX_NO = "STT"
XLSX_AGENCY = "Cơ quan, đơn vị"
XLSX_NO_AGENCY = "(chưa ghi cơ quan)"
XLSX_RECEIVED = "Số hồ sơ nhận giải quyết"
XLSX_RESOLVED = "Số hồ sơ đã giải quyết"
XLSX_IN_PROGRESS = "Số hồ sơ đang giải quyết"
XLSX_APOLOGIES = "Xin lỗi, hẹn lại"
XLSX_TOTAL = "Tổng số"
XLSX_CARRIED_OVER = "Kỳ trước chuyển qua"
XLSX_ONLINE = "Mới tiếp nhận trực tuyến"
XLSX_DIRECT = "Mới tiếp nhận trực tiếp"
XLSX_POSTAL = "Mới tiếp nhận qua bưu chính"
XLSX_ON_TIME = "Trả đúng hạn"
XLSX_LATE = "Trả quá hạn"
XLSX_ON_TIME_PCT = "Tỷ lệ đúng hạn"
XLSX_LATE_PCT = "Tỷ lệ quá hạn"
XLSX_WITHIN = "Trong hạn"
XLSX_PAST = "Quá hạn"
XLSX_WAITING = "Trong đó: chờ người dân bổ sung, nộp phí"
XLSX_APOLOGIES_OWED = "Hồ sơ trễ hẹn phải xin lỗi"
XLSX_APOLOGIES_REASON = "Đã ghi lý do"
XLSX_GRAND_TOTAL = "Tổng cộng"
XLSX_SATISFACTION = "Mức độ hài lòng của người dân"
XLSX_LEVEL = "Mức"
XLSX_ANSWERS = "Số lượt"
XLSX_SHARE = "Tỷ lệ"
XLSX_LEVELS = {
    "very_satisfied": "Rất hài lòng",
    "satisfied": "Hài lòng",
    "unsatisfied": "Không hài lòng",
}
XLSX_NOTES = (
    "Ghi chú: hạn giải quyết tính theo ngày làm việc; thời gian chờ người dân bổ sung hồ sơ, "
    "thực hiện nghĩa vụ tài chính hoặc tạm dừng xử lý không tính vào thời hạn.",
    "Hồ sơ đã hẹn lại ngày trả vẫn tính là trả quá hạn nếu trả sau ngày hẹn ban đầu.",
)
# Notification rules and channels as the outbox names them (a name not listed is shown as is).
REPORT_RULES = {
    "status": "Thay đổi trạng thái hồ sơ",
    "due_reminder": "Nhắc trước ngày hẹn trả",
    "overdue_apology": "Xin lỗi vì quá hạn",
    "collect_reminder": "Nhắc đến nhận kết quả",
    "satisfaction": "Hỏi mức độ hài lòng",
    "new_due_date": "Báo ngày hẹn mới",
}
REPORT_CHANNELS = {
    "telegram": "Telegram",
    "zalo": "Zalo",
    "zns": "Zalo ZNS (theo số điện thoại)",
    "web": "Web",
    "cli": "Dòng lệnh",
}

# --- staff lists: ``motcua dossiers due`` and ``motcua notify status`` -------------------------
DUE_SOON_TITLE = "Hồ sơ đến hạn trong một ngày làm việc (đến {until}): {count}"
DUE_SOON_HINT = "  Nếu không kịp trả đúng hẹn, cán bộ gửi phiếu xin lỗi và hẹn lại trước ngày hẹn."
DUE_SOON_ROW = "  {code} | {procedure} | hẹn trả {due}{agency}"
LETTERS_OWED_TITLE = "Hồ sơ quá hạn chưa ghi đủ lý do và ngày hẹn mới: {count}"
LETTERS_OWED_ROW = "  {code} | hẹn trả {due} | lý do: {reason} | ngày hẹn mới: {new_due}{agency}"
LIST_AGENCY = " | {agency}"
LIST_NONE = "  (không có)"
NOT_RECORDED = "chưa ghi"
RECORDED = "đã ghi"
NEW_DUE_PASSED = "{date} (đã qua)"
OUTBOX_TITLE = "Hàng đợi thông báo (trạng thái | kênh | loại thông báo: số tin)"
OUTBOX_ROW = "  {status} | {channel} | {rule}: {count}"
OUTBOX_EMPTY = "  (trống)"
FAILURES_TITLE = "Tin gửi không được ({count} tin mới nhất)"
FAILURE_ROW = "  #{id} | hồ sơ #{dossier} | {rule} | {channel} | sau {attempts} lần thử: {error}"
OUTBOX_STATUSES = {
    "pending": "Chờ gửi",
    "sending": "Đang gửi",
    "sent": "Đã gửi",
    "failed": "Gửi không được",
    "cancelled": "Đã hủy",
}

# Where a chat that cannot push (the web page) says a dossier's updates come from.
PUSH_TELEGRAM = "Telegram"
PUSH_TELEGRAM_LINK = "Telegram ({url})"
PUSH_ZALO = "Zalo"
PUSH_BUTTON_TELEGRAM = "Nhận thông báo qua Telegram"
