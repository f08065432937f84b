"""Typical first lines of every export format, each with the one format that may claim it
(None: no format; "wecom names": a WeCom groupchat/get file; "pywxdump names": PyWxDump's users.json).
Used by test_properties."""

#: a names file's owner in HEADS -> the format whose names file it is
NAMES_OWNERS = {"wecom names": "wecom", "pywxdump names": "pywxdump"}

HEADS = [
    ('wecom', '{"msgid":"1_1700000000","action":"send","from":"wmAbc","tolist":[],"roomid":"wrX","msgtime":1700000000123}\n'),
    ('wecom', '{"msgid":"1_1700000000","action":"send","from":"wmAbc","msgtype":"text"}\n'),
    ('wecom', '{"msgid":"1","action":"send","from":"wmA","roomid":"wr1","msgtime":1700000000123,"msgtype":"text"}\n'),
    ('wecom', '{"msgid": "m1", "action": "send", "from": "wmA", "tolist": ["zs"], "roomid": "wrX", "msgtime": 1700000000123, "msgtype": "text", "text": {"content": "@张三 有没有团购价？"}}\n'),
    ('wecom names', '{"errcode": 0, "group_chat": {"chat_id": "wrX", "name": "群", "member_list": []}}'),
    ('telegram', '{\n "name": "群", "type": "private_supergroup", "id": 42, "messages": [\n'),
    ('telegram', '{\n "name": "Chat",\n "type": "private_supergroup",\n "id": 1,\n "messages": []}'),
    ('telegram', '{\n "name": "咖啡爱好者",\n "type": "private_supergroup",\n "id": 1234567890,\n "messages": [\n  {\n   "id": 1,\n   "type": "message",\n   "action": "invite_members"'),
    ('memotrace', '\ufefflocalId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n'),
    ('memotrace', '\ufeff消息ID,类型,发送人,时间,内容,备注,昵称,更多信息\n'),
    ('memotrace', '2024-03-01 09:15:02 老王\n求推荐\n'),
    ('memotrace', '2024-03-01 09:15:02 老王\n求推荐记账App\n\n'),
    ('memotrace', '\ufefflocalId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n1,1,1,0,0,1700000000,,你好,2023-11-15 06:13:20,老王,Wang,wxid_abc\n'),
    ('memotrace', '\ufeff消息ID,类型,发送人,时间,内容,备注,昵称,更多信息\n8812,文本,老王,2024-03-01 09:15:02,求推荐,老王,Wang,more\n'),
    ('pywxdump', 'id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n1,2,文本,0,wxid_a,1@chatroom,hi,,2024-03-01 09:00:00\n'),
    ('pywxdump', 'id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime\n'),
    ('pywxdump names', '{\n    "wxid_a": {\n        "wxid": "wxid_a",\n        "nickname": "阿May",\n        "remark": ""'),
    ('pywxdump names', '\ufeff{"wxid_a":{"wxid":"wxid_a","nickname":"阿May"}}'),
    ('qq', '\ufeff消息记录（此消息记录为文本格式，不支持重新导入）\r\n\r\n================================================================\r\n消息分组:我的群聊\r\n'),
    ('qq', '\ufeff消息记录（此消息记录为文本格式，不支持重新导入）\r\n'),
    ('whatsapp', '3/1/24, 09:15 - Lee: 有人吗\n'),
    ('whatsapp', '[01/03/2024, 09:15:02] Lee: 有人吗\n'),
    ('whatsapp', '12/03/2024, 09:15 - Alice: hi\n'),
    ('whatsapp', '[1/13/24, 8:43:38 PM] John: hi\n'),
    ('whatsapp', '[01/03/2024, 09:16:02] Lee: 同求\n'),
    ('whatsapp', '3/1/24, 09:15 - 老王: 求推荐记账App\n[01/03/2024, 09:16:02] Lee: 同求\n'),
    ('csv', 'group,sender_id,sender_name,time,text,message_id\n群1,wxid_1,张三,2024-03-01 09:00:00,hi,m1\n'),
    ('csv', 'group,sender_id,sender_name,time,text,message_id\n'),
    ('csv', 'group,sender_id,time,text\n'),
    ('jsonl', '{"group": "群1", "sender_id": "wxid_1", "time": 1700000000, "text": "hi"}\n'),
    ('jsonl', '{"group": "群1", "sender_id": "wxid_1", "time": 1700000000, "text": "hi", "msgid": "m1"}\n'),
    (None, '2016-07-19 09:27:15 小王(10001)\n求一个好用的报销工具\n\n2016-07-19 09:28:02 系统消息(10000)\n小李撤回了一条消息\n'),
    (None, 'AuthorID,Author,Date,Content,Attachments,Reactions\n'),
    (None, ''),
    (None, 'id,MsgSvrID,type_name\n'),
    (None, '{\n  "guild": {"id": "1", "name": "G"},\n  "channel": {"id": "2", "type": "GuildTextChat"},\n  "messages": [{"id": "3", "type": "Default", "timestamp": "2024-01-01T00:00:00+00:00"}]'),
    (None, '{"session": {"wxid": "1@chatroom", "nickname": "群", "type": "群聊"}, "messages": [{"localId": 1, "createTime": 1700000000, "type": "文本消息", "content": "hi"}]}'),
    (None, '{"metadata": {"version": "4"}, "chatInfo": {"name": "群", "type": "group"}, "messages": []}'),
    (None, '{"metadata": {"version": "4"}, "chatInfo": {"name": "群", "type": "group"}, "messages": [{"messageId": "1", "timestamp": "2024-01-01T00:00:00Z", "sender": {"uin": "10001"}}]}'),
    (None, '2016-07-19 9:27:15 小王(10001)\r\n求一个好用的报销工具\r\n'),
]
